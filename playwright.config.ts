import { defineConfig } from '@playwright/test'

/** Debian's Chromium (the real binary; /usr/bin/chromium is a wrapper). scripts/ensure-chromium.mjs installs it. */
const CHROMIUM_PATH = '/usr/lib/chromium/chromium'
/** Where `vite preview` serves the built page (see vite.config.ts). */
const BASE_URL = 'http://127.0.0.1:4173'

// Timeouts are generous: CI machines may have two slow cores and build the page first.
export default defineConfig({
  testDir: 'test/e2e',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  use: {
    baseURL: BASE_URL,
    headless: true,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--allow-loopback-in-peer-connection',
          ],
        },
      },
    },
  ],
  webServer: {
    // Tests run against the production build, served with the cross-origin isolation headers.
    command: 'npm start',
    url: BASE_URL,
    reuseExistingServer: !process.env.CI,
    timeout: 240_000,
  },
})
