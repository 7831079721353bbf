/** Model bench page: runs the decoding benchmark in a dedicated worker and exposes it to the runner. */
import * as Comlink from 'comlink'
import type { DecodeFigures } from './model-decode.js'
import type { ModelBenchWorkerApi } from './model-worker.js'

const worker = Comlink.wrap<ModelBenchWorkerApi>(new Worker(new URL('./model-worker.ts', import.meta.url), { type: 'module' }))

declare global {
  interface Window {
    terrainModelBench: { decoding(modelId: string, rounds: number): Promise<DecodeFigures> }
  }
}

window.terrainModelBench = { decoding: (modelId, rounds) => worker.decoding(modelId, rounds) }
