/**
 * The provider's model in a dedicated module worker: loads the built-in model
 * (from the app's /models/) or one the provider supplies, reports backend and
 * progress, and streams generations back through Comlink callbacks.
 */
import * as Comlink from 'comlink'
import { keepErrorCodesAcrossComlink } from './error-transfer.js'
import { loadBuiltInModel } from './model/built-in.js'
import { ModelError } from './model/errors.js'
import { fetchBytes } from './model/fetch-bytes.js'
import { findBuiltInModel, validateModelManifest } from './model/manifest.js'
import { configureOrtForBrowser } from './model/ort-browser.js'
import { loadModel, type BackendChoice, type GeneratedToken, type GenerateResult, type LoadedModel, type ModelLoadProgress, type ModelShape } from './model/runtime.js'

const MODELS_BASE = `${import.meta.env.BASE_URL}models/`

export interface ProviderModelInfo {
  /** The built-in model's id, or 'custom'. */
  id: string
  backend: 'webgpu' | 'wasm'
  fallbackReason: string | undefined
  weightsDigest: string
  shape: ModelShape
}

export interface ProviderGenerateRequest {
  /** Names the generation for `cancel`. */
  requestId: string
  prompt: string
  maxTokens: number
  temperature: number
  topK?: number
  seed: number
  stop?: string[]
}

type ProgressCallback = (progress: ModelLoadProgress) => void

let model: LoadedModel | undefined
let info: ProviderModelInfo | undefined
const running = new Map<string, AbortController>()

async function replaceModel(id: string, load: () => Promise<LoadedModel>): Promise<ProviderModelInfo> {
  await model?.dispose()
  model = info = undefined
  const loaded = await load()
  model = loaded
  info = { id, backend: loaded.backend, fallbackReason: loaded.fallbackReason, weightsDigest: loaded.weightsDigest, shape: loaded.shape }
  return info
}

function downloadProgress(onProgress: ProgressCallback | undefined) {
  return (loadedBytes: number, totalBytes: number | undefined) => onProgress?.({ stage: 'downloading', loadedBytes, ...(totalBytes === undefined ? {} : { totalBytes }) })
}

const api = {
  /** Downloads built-in model `id` from the app's origin (checked against the manifest's BLAKE3) and loads it. */
  async loadBuiltIn(id: string, backend: BackendChoice = 'auto', onProgress?: ProgressCallback): Promise<ProviderModelInfo> {
    return replaceModel(id, async () => {
      const manifest = validateModelManifest(JSON.parse(new TextDecoder().decode(await fetchBytes(`${MODELS_BASE}manifest.json`))))
      const entry = findBuiltInModel(manifest, id)
      const bytes = await fetchBytes(`${MODELS_BASE}${entry.file}`, downloadProgress(onProgress))
      return loadBuiltInModel(entry, bytes, { backend, onProgress: (p) => onProgress?.(p) })
    })
  },

  /** Loads a model the provider supplies (bytes, or a URL to fetch) with the runtime's interface (see model/runtime.ts). */
  async loadCustom(source: ArrayBuffer | string, contextLimit: number, backend: BackendChoice = 'auto', onProgress?: ProgressCallback): Promise<ProviderModelInfo> {
    return replaceModel('custom', async () => {
      const bytes = typeof source === 'string' ? await fetchBytes(source, downloadProgress(onProgress)) : new Uint8Array(source)
      return loadModel(bytes, { contextLimit, backend, onProgress: (p) => onProgress?.(p) })
    })
  },

  /** The loaded model, if any. */
  async status(): Promise<ProviderModelInfo | undefined> {
    return info
  },

  /**
   * Streams one generation; every callback has been delivered when it resolves. Rejects with
   * `ModelError` ('aborted') once `cancel(requestId)` is called.
   */
  async generate(request: ProviderGenerateRequest, onToken?: (token: GeneratedToken) => void, onLogits?: (logits: Float32Array, step: number) => void): Promise<GenerateResult> {
    if (!model) throw new ModelError('unknown-model', 'no model is loaded: call loadBuiltIn or loadCustom first')
    if (running.has(request.requestId)) throw new ModelError('invalid-generate-options', `request ${request.requestId} is already running`)
    const controller = new AbortController()
    running.set(request.requestId, controller)
    // Each callback travels on its own port: awaiting them all before answering keeps every token ahead of the result.
    const delivered: unknown[] = []
    try {
      const { maxTokens, temperature, topK, seed, stop } = request
      const result = await model.generate(request.prompt, {
        maxTokens,
        temperature,
        seed,
        ...(topK === undefined ? {} : { topK }),
        ...(stop === undefined ? {} : { stop }),
        signal: controller.signal,
        ...(onToken ? { onToken: (token) => void delivered.push(onToken(token)) } : {}),
        ...(onLogits ? { onLogits: (logits, step) => void delivered.push(onLogits(Comlink.transfer(logits, [logits.buffer]), step)) } : {}),
      })
      await Promise.all(delivered)
      return result
    } finally {
      running.delete(request.requestId)
    }
  },

  /** Stops generation `requestId` (queued or running); unknown ids are ignored. */
  async cancel(requestId: string): Promise<void> {
    running.get(requestId)?.abort('cancelled by the caller')
  },
}

export type ProviderWorkerApi = typeof api

configureOrtForBrowser()
keepErrorCodesAcrossComlink()
Comlink.expose(api)
