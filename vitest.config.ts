import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'

/** Debian's Chromium (see playwright.config.ts); browser tests run storage suites against real IndexedDB. */
const CHROMIUM_PATH = '/usr/lib/chromium/chromium'

export default defineConfig({
  test: {
    testTimeout: 60_000,
    projects: [
      { test: { name: 'node', include: ['test/core/**/*.test.ts', 'test/relay/**/*.test.ts', 'test/build/**/*.test.ts', 'test/model/**/*.test.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'chromium',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
})
