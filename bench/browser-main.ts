/** Bench page: hands the suites to a dedicated worker and exposes the results to the runner. */
import * as Comlink from 'comlink'
import type { BenchWorkerApi } from './bench-worker.js'

const worker = new Worker(new URL('./bench-worker.ts', import.meta.url), { type: 'module' })
const bench = Comlink.wrap<BenchWorkerApi>(worker)

declare global {
  interface Window {
    terrainBench: typeof bench
  }
}
window.terrainBench = bench
