/**
 * The runtime in Node: onnxruntime-web's own WASM build (the one browsers
 * run, so logits match a browser's), loaded from node_modules, and the
 * built-in models read from public/models/.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { loadBuiltInModel } from './built-in.js'
import { findBuiltInModel, validateModelManifest, type BuiltInModel, type ModelManifest } from './manifest.js'
import { configureOrt, type LoadedModel, type LoadModelOptions } from './runtime.js'

export const MODELS_DIR = fileURLToPath(new URL('../../public/models/', import.meta.url))

/**
 * One thread: the built-in models are too small for ORT's thread pool to pay
 * off (measured in docs/models.md), and it leaves the other core to the rest
 * of the process.
 */
export function configureOrtForNode(numThreads = 1): void {
  configureOrt({ wasmPaths: new URL('./', import.meta.resolve('onnxruntime-web')).href, numThreads })
}

export async function readModelManifest(): Promise<ModelManifest> {
  return validateModelManifest(JSON.parse(await readFile(`${MODELS_DIR}manifest.json`, 'utf8')))
}

/** Reads, checks and loads built-in model `id` (WASM: Node has no WebGPU). */
export async function loadBuiltInModelFromDisk(id: string, options: Omit<LoadModelOptions, 'contextLimit'> = {}): Promise<{ entry: BuiltInModel; model: LoadedModel }> {
  const entry = findBuiltInModel(await readModelManifest(), id)
  const bytes = new Uint8Array(await readFile(`${MODELS_DIR}${entry.file}`))
  return { entry, model: await loadBuiltInModel(entry, bytes, options) }
}
