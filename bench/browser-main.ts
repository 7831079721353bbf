/** Bench page: hands the suites to a dedicated worker and exposes them to the runner. */
import * as Comlink from 'comlink'
import type { BenchWorkerApi } from './bench-worker.js'
import type { SuiteResult } from './event-suite.js'
import type { BoundFigures, SyncFigures } from './sync-suite.js'

const worker = new Worker(new URL('./bench-worker.ts', import.meta.url), { type: 'module' })
const bench = Comlink.wrap<BenchWorkerApi>(worker)

export interface BenchPageApi {
  eventSuite(rounds: number, minMs: number): Promise<SuiteResult>
  /** Progress goes to the console, which the runner relays (it cannot pass callbacks into the page). */
  syncSuite(events: number): Promise<SyncFigures>
  /** The sync bound measured again on the sync suite's events (after it ran). */
  bound(): Promise<BoundFigures>
}

declare global {
  interface Window {
    terrainBench: BenchPageApi
  }
}

window.terrainBench = {
  eventSuite: (rounds, minMs) => bench.eventSuite(rounds, minMs),
  syncSuite: (events) => bench.syncSuite(events, Comlink.proxy((text: string) => console.log(`progress: ${text}`))),
  bound: () => bench.bound(),
}
