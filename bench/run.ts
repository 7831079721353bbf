/**
 * `npm run bench`: runs every suite in Node and in a Chromium dedicated worker
 * in one run, printing rates and their ratios to raw primitives measured
 * alongside them. Figures, not assertions: the machines are shared and noisy.
 */
import { chromium } from '@playwright/test'
import { createServer } from 'vite'
import { formatSuite, runEventSuite, type SuiteResult } from './event-suite.js'

const CHROMIUM_PATH = '/usr/lib/chromium/chromium'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 250)

async function inChromiumWorker(): Promise<SuiteResult> {
  const server = await createServer({ configFile: new URL('../vite.config.ts', import.meta.url).pathname, server: { host: '127.0.0.1', port: 0 }, logLevel: 'error' })
  await server.listen()
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  try {
    const page = await browser.newPage()
    const address = server.httpServer?.address()
    if (!address || typeof address === 'string') throw new Error('the bench server has no TCP address')
    await page.goto(`http://127.0.0.1:${address.port}/bench/browser.html`)
    await page.waitForFunction(() => 'terrainBench' in window)
    return await page.evaluate(([rounds, minMs]) => window.terrainBench.eventSuite(rounds!, minMs!), [ROUNDS, MIN_MS])
  } finally {
    await browser.close()
    await server.close()
  }
}

console.log(`Terrain benchmarks: median of ${ROUNDS} interleaved rounds of ≥${MIN_MS} ms each\n`)
console.log('Event pipeline: a signed BehaviorAttestation event')
const node = await runEventSuite(`Node ${process.version}`, ROUNDS, MIN_MS)
console.log(formatSuite(node))
const browser = await inChromiumWorker()
console.log(formatSuite(browser))

const goal = 0.8
for (const result of [node, browser]) {
  const validation = result.figures.find((f) => f.name.startsWith('full validation'))!
  const verdict = validation.ratio! >= goal ? 'meets' : 'misses'
  console.log(`${result.runtime}: full validation at ${(validation.ratio! * 100).toFixed(1)}% of raw verify ${verdict} the ${goal * 100}% goal`)
}
