import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'

/** Debian's Chromium (see playwright.config.ts); browser tests run storage suites against real IndexedDB. */
const CHROMIUM_PATH = '/usr/lib/chromium/chromium'
/**
 * Dependencies that only workers import: optimised up front, since Vite would otherwise discover them as a
 * worker loads, re-optimise and reload the page mid-test (the worker then fails to load).
 */
const WORKER_DEPS = ['comlink', 'onnxruntime-web', 'hash-wasm', 'pure-rand/distribution/uniformInt', 'pure-rand/distribution/uniformFloat64', 'pure-rand/generator/xoroshiro128plus']

export default defineConfig({
  test: {
    testTimeout: 60_000,
    projects: [
      { test: { name: 'node', include: ['test/core/**/*.test.ts', 'test/relay/**/*.test.ts', 'test/build/**/*.test.ts', 'test/model/**/*.test.ts', 'test/bench/**/*.test.ts'], testTimeout: 60_000 } },
      {
        optimizeDeps: { include: WORKER_DEPS },
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
      {
        optimizeDeps: { include: WORKER_DEPS },
        test: {
          // A second browser for the model runtime's WebGPU path: SwiftShader's software adapter (no GPU needed).
          name: 'chromium-webgpu',
          include: ['test/browser-webgpu/**/*.test.ts'],
          testTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking'] },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
})
