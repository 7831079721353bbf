/** Dedicated worker that runs the runtime-agnostic suites where the browser peers run them. */
import * as Comlink from 'comlink'
import { runEventSuite } from './event-suite.js'
import { measureBound, runSyncSuite } from './sync-suite.js'

const api = {
  eventSuite: (rounds: number, minMs: number) => runEventSuite('Chromium dedicated worker', rounds, minMs),
  syncSuite: (events: number, progress: (text: string) => void) => runSyncSuite(events, progress),
  bound: () => measureBound(),
}

export type BenchWorkerApi = typeof api
Comlink.expose(api)
