/**
 * `npm run bench`: every suite in one run, in Node and in Chromium, printing
 * rates and their ratios to raw primitives measured alongside them. Figures,
 * not assertions: the machines are shared and noisy.
 */
import { chromium, type Browser } from '@playwright/test'
import { build, createServer } from 'vite'
import { defaultReplicaSettings } from '../core/index.js'
import { formatCircuitSuite, runCircuitSuite } from './circuit-suite.js'
import { formatSuite, runEventSuite, type SuiteResult } from './event-suite.js'
import { measureHeap } from './heap.js'
import { formatInferenceSuite, runInferenceSuite } from './inference-suite.js'
import { runMeshSync } from './mesh-sync.js'
import { runModelSuite } from './model-suite.js'
import type { SyncFigures } from './sync-suite.js'

const CHROMIUM_PATH = '/usr/lib/chromium/chromium'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 250)
const SYNC_EVENTS = Number(process.env.BENCH_SYNC_EVENTS ?? 100_000)
const CONFIG_FILE = new URL('../vite.config.ts', import.meta.url).pathname

const rate = (x: number) => `${Math.round(x).toLocaleString('en-US')} events/s`
const mib = (bytes: number | undefined) => (bytes === undefined ? 'not measurable here' : `${(bytes / 2 ** 20).toFixed(1)} MiB`)

interface InWorker {
  events: SuiteResult
  sync: SyncFigures
  heapBytes: number | undefined
  /** The sync bound measured again, on the sync suite's events, in events/s. */
  measureBound: () => Promise<number>
  close: () => Promise<void>
}

/**
 * The event suite and the in-worker sync suite (which also measures the raw rates sync is bounded by). The page
 * stays open, to measure the bound again beside the network syncs.
 */
async function inChromiumWorker(browser: Browser): Promise<InWorker> {
  const server = await createServer({ configFile: CONFIG_FILE, server: { host: '127.0.0.1', port: 0 }, logLevel: 'error' })
  await server.listen()
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
    console.log(`\nDelta sync of ${SYNC_EVENTS.toLocaleString('en-US')} events into a fresh IndexedDB log, inside one Chromium worker (no network)`)
    const sync = await page.evaluate((n) => window.terrainBench.syncSuite(n), SYNC_EVENTS)
    const heapBytes = await measureHeap(page)
    const measureBound = async () => {
      const bound = await page.evaluate(() => window.terrainBench.bound())
      return Math.min(bound.validationPerSecond, bound.idbWritePerSecond)
    }
    const close = async () => {
      await page.close()
      await server.close()
    }
    return { events, sync, heapBytes, measureBound, close }
  } catch (e) {
    await server.close()
    throw e
  }
}

console.log(`Terrain benchmarks: median of ${ROUNDS} interleaved rounds of ≥${MIN_MS} ms each\n`)
console.log('Event pipeline: a signed BehaviorAttestation event')
const node = await runEventSuite(`Node ${process.version}`, ROUNDS, MIN_MS)
console.log(formatSuite(node))

const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--allow-loopback-in-peer-connection',
    // Lets measureUserAgentSpecificMemory answer at once instead of at the next natural GC.
    '--enable-blink-features=ForceEagerMeasureMemory',
  ],
})
try {
  const worker = await inChromiumWorker(browser)
  const s = worker.sync
  const bound = Math.min(s.validationPerSecond, s.idbWritePerSecond)
  console.log(`  raw validation                 ${rate(s.validationPerSecond)}`)
  console.log(`  raw IndexedDB batched writes   ${rate(s.idbWritePerSecond)} (batches of ${defaultReplicaSettings.maxBatchEntries}, as sync asks for, a record per event, no reads, relaxed durability as sync)`)
  console.log(`  the log store's append         ${rate(s.storeAppendPerSecond)} (same batches, packed into runs)`)
  console.log(`  delta sync                     ${rate(s.syncPerSecond)}, ${s.syncSeconds.toFixed(1)} s, ${((s.syncPerSecond / bound) * 100).toFixed(1)}% of the slower of the two (goal 70%)`)
  console.log(`  JS heap of the bench page and its worker afterwards (it keeps the signed events, to measure the bound again): ${mib(worker.heapBytes)}`)

  console.log(`\nDelta sync of ${SYNC_EVENTS.toLocaleString('en-US')} events over the network (real relay processes, real pages)`)
  await build({ configFile: CONFIG_FILE, logLevel: 'error' })
  const mesh = await runMeshSync(browser, SYNC_EVENTS, worker.measureBound, (text) => console.log(`  ${text}`)).finally(worker.close)
  const [first, between, last] = mesh.bounds
  console.log(`  the bound measured again: ${rate(first)} before, ${rate(between)} between and ${rate(last)} after the two syncs`)
  const line = (label: string, seconds: number, around: number) => {
    const perSecond = mesh.events / seconds
    const ratio = (x: number) => `${((perSecond / x) * 100).toFixed(1)}%`
    return `  ${label.padEnd(32)}${seconds.toFixed(1).padStart(6)} s ${rate(perSecond).padStart(18)}  ${ratio(around)} of the bound around it (goal 70%), ${ratio(bound)} of the one above`
  }
  console.log(line('relay → fresh page (WebSocket)', mesh.relayToBrowserSeconds, (first + between) / 2))
  console.log(line('page → fresh page (WebRTC)', mesh.browserToBrowserSeconds, (between + last) / 2))
  console.log(`  (before that sync, the fresh page took ${mesh.browserConnectSeconds.toFixed(1)} s to find the first and connect to it over WebRTC)`)
  console.log(`  relay ingest (Node, LevelDB): ${rate(mesh.events / mesh.relayIngestSeconds)}`)
  console.log(`  JS heap of a page holding ${mesh.events.toLocaleString('en-US')} events: ${mib(mesh.heapBytes)} (goal under 50 MB)`)

  console.log()
  const goal = 0.8
  for (const result of [node, worker.events]) {
    const validation = result.figures.find((f) => f.name.startsWith('full validation'))!
    const verdict = validation.ratio! >= goal ? 'meets' : 'misses'
    console.log(`${result.runtime}: full validation at ${(validation.ratio! * 100).toFixed(1)}% of raw verify ${verdict} the ${goal * 100}% goal`)
  }

  console.log('\nPrivate inference over the network (real relays and provider processes, real pages, the built-in model)')
  console.log(formatInferenceSuite(await runInferenceSuite(browser, ROUNDS * 2, (text) => console.log(`  ${text}`))))
} finally {
  await browser.close()
}

console.log('\nOnion circuits: a relay hop passing on forward cells (the real hop code, no transport) beside raw ChaCha20-Poly1305 sealing')
console.log(formatCircuitSuite(await runCircuitSuite(`Node ${process.version}`, ROUNDS, MIN_MS)))

await runModelSuite(ROUNDS)
