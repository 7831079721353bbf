import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from '@playwright/test'

/** Debian's Chromium (the real binary; /usr/bin/chromium is a wrapper). scripts/ensure-chromium.mjs installs it. */
const CHROMIUM_PATH = '/usr/lib/chromium/chromium'
/** Where the relay serves the built page (its default HTTP address). */
const BASE_URL = 'http://127.0.0.1:4173'
/** A throwaway relay state directory, wiped at every start. */
const RELAY_DATA_DIR = join(tmpdir(), 'terrain-e2e-relay')

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
    // Tests run against the production build served by the real relay (cross-origin isolated), as `npm start` does;
    // any free libp2p port, so a relay already running on the default port does not clash.
    command: `rm -rf ${RELAY_DATA_DIR} && npm run build && node --import tsx relay-server/main.ts --data-dir ${RELAY_DATA_DIR} --ws-port 0`,
    url: `${BASE_URL}/health`,
    reuseExistingServer: !process.env.CI,
    timeout: 240_000,
    // SIGTERM lets the relay close its event store.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
  },
})
