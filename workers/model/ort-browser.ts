/**
 * The runtime in a browser: the WASM binary is bundled as an asset of the app
 * and fetched from the app's own origin (never a CDN), in dev and in builds.
 */
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url'
import { configureOrt } from './runtime.js'

/** One thread, as in Node: at the built-in models' size ORT's thread pool costs more than it gains (docs/models.md). */
export function configureOrtForBrowser(numThreads = 1): void {
  configureOrt({ wasmPaths: { wasm: wasmUrl }, numThreads })
}
