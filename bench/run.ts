/**
 * `npm run bench`: runs every suite in Node and in a Chromium dedicated worker
 * in one run, printing rates and their ratios to raw primitives measured
 * alongside them. Figures, not assertions: the machines are shared and noisy.
 */
import { chromium } from '@playwright/test'
import { createServer } from 'vite'
import { formatSuite, runEventSuite, type SuiteResult } from './event-suite.js'
import type { SyncFigures } from './sync-suite.js'

const CHROMIUM_PATH = '/usr/lib/chromium/chromium'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SYNC_EVENTS = Number(process.env.BENCH_SYNC_EVENTS ?? 100_000)
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 250)

interface BrowserFigures {
  events: SuiteResult
  sync: SyncFigures
  /** Bytes of JS heap attributed to the page and its workers after the sync, when the browser can measure it. */
  heapBytes: number | undefined
}

async function inChromiumWorker(): Promise<BrowserFigures> {
  const server = await createServer({ configFile: new URL('../vite.config.ts', import.meta.url).pathname, server: { host: '127.0.0.1', port: 0 }, logLevel: 'error' })
  await server.listen()
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Lets measureUserAgentSpecificMemory answer at once instead of at the next natural GC.
      '--enable-blink-features=ForceEagerMeasureMemory',
    ],
  })
  try {
    const page = await browser.newPage()
    const address = server.httpServer?.address()
    if (!address || typeof address === 'string') throw new Error('the bench server has no TCP address')
    await page.goto(`http://127.0.0.1:${address.port}/bench/browser.html`)
    await page.waitForFunction(() => 'terrainBench' in window)
    const events = await page.evaluate(([rounds, minMs]) => window.terrainBench.eventSuite(rounds!, minMs!), [ROUNDS, MIN_MS])
    console.log(formatSuite(events))
    page.on('console', (message) => {
      if (message.text().startsWith('progress: ')) console.log(`  ${message.text().slice(10)}`)
    })
    console.log(`\nDelta sync of ${SYNC_EVENTS.toLocaleString('en-US')} events into a fresh IndexedDB log (Chromium worker)`)
    const sync = await page.evaluate((n) => window.terrainBench.syncSuite(n), SYNC_EVENTS)
    const heapBytes = await page.evaluate(async () => {
      const measure = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> })
        .measureUserAgentSpecificMemory
      return measure ? (await measure.call(performance)).bytes : undefined
    })
    return { events, sync, heapBytes }
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
const s = browser.sync
const rate = (x: number) => `${Math.round(x).toLocaleString('en-US')} events/s`
console.log(`  raw validation                 ${rate(s.validationPerSecond)}`)
console.log(`  raw IndexedDB batched writes   ${rate(s.idbWritePerSecond)} (batches of 256)`)
console.log(`  delta sync                     ${rate(s.syncPerSecond)}, ${s.syncSeconds.toFixed(1)} s, ${(s.ratioToBound * 100).toFixed(1)}% of the slower of the two (goal 70%)`)
console.log(`  JS heap of the page and its worker after the sync: ${browser.heapBytes === undefined ? 'not measurable here' : `${(browser.heapBytes / 2 ** 20).toFixed(1)} MiB (goal under 50 MB)`}`)
console.log()

const goal = 0.8
for (const result of [node, browser.events]) {
  const validation = result.figures.find((f) => f.name.startsWith('full validation'))!
  const verdict = validation.ratio! >= goal ? 'meets' : 'misses'
  console.log(`${result.runtime}: full validation at ${(validation.ratio! * 100).toFixed(1)}% of raw verify ${verdict} the ${goal * 100}% goal`)
}
