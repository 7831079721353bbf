/**
 * The model runtime: an ONNX decoder-only language model on onnxruntime-web,
 * the same WASM build in a browser worker and in Node (WebGPU too in the
 * browser), generating with a KV cache and handing out every step's logits.
 *
 * A model it can drive has the interface scripts/train/train_models.py
 * exports, over the byte tokenizer of core/byte-tokenizer.ts:
 * - inputs `input_ids` (int64 [batch, sequence]) and, for each layer i,
 *   `past_key_values.i.key` / `.value` (float32 [batch, heads, past, headDim]);
 * - outputs `logits` (float32 [batch, sequence, 259]) and `present.i.key` /
 *   `.value` (the cache extended by the new positions).
 */
import * as ort from 'onnxruntime-web'
// Single modules, not core/index.js: a worker that loads this need not pull in the whole protocol core.
import { toHex } from '../../core/bytes.js'
import { BYTE_VOCAB_SIZE, encodePrompt, EOS_TOKEN, TokenTextStream } from '../../core/byte-tokenizer.js'
import { blake3 } from '../../core/hash.js'
import { ModelError } from './errors.js'
import { createSampler } from './sampling.js'
import { StopText } from './stop-text.js'

export type Backend = 'webgpu' | 'wasm'
export type BackendChoice = Backend | 'auto'

/** Where loading is; the provider worker adds 'downloading' before the runtime's stages. */
export interface ModelLoadProgress {
  stage: 'downloading' | 'hashing' | 'creating-session' | 'ready'
  loadedBytes?: number
  totalBytes?: number
}

export interface LoadModelOptions {
  /** Most tokens (prompt, BOS and answer) the model attends to: its position table. */
  contextLimit: number
  /** 'auto' (the default) takes WebGPU when an adapter is there, WASM otherwise. */
  backend?: BackendChoice
  onProgress?: (progress: ModelLoadProgress) => void
}

/** What the runtime learned from the model's signature. */
export interface ModelShape {
  layers: number
  heads: number
  headDim: number
  vocabSize: number
  contextLimit: number
}

export interface GeneratedToken {
  /** The sampled token id (EOS included: it is the last step of a transcript). */
  id: number
  /** Text this token releases: '' while a character or a possible stop sequence is incomplete. */
  text: string
}

export interface GenerateOptions {
  /** Most tokens to generate; fewer when the context fills up. */
  maxTokens: number
  /** 0 is greedy (argmax); otherwise softmax sampling at this temperature. */
  temperature: number
  topK?: number
  /** Seeds the sampler: the same seed, prompt and model give the same tokens. */
  seed: number
  /** Generation ends at the first of these; it is not part of the text. */
  stop?: readonly string[]
  signal?: AbortSignal
  onToken?: (token: GeneratedToken) => void
  /** Each step's full logits over the vocabulary (a copy the callee may keep). */
  onLogits?: (logits: Float32Array, step: number) => void
}

export type FinishReason = 'eos' | 'stop' | 'length'

export interface GenerateResult {
  text: string
  /** Every sampled token id, EOS included when it ended generation. */
  tokens: number[]
  finishReason: FinishReason
  promptTokens: number
  milliseconds: number
}

export interface LoadedModel {
  readonly backend: Backend
  /** Why WebGPU was not used, when 'auto' fell back to WASM. */
  readonly fallbackReason: string | undefined
  /** BLAKE3 hex of the model bytes. */
  readonly weightsDigest: string
  readonly shape: ModelShape
  /** Generations run one at a time; a second call waits for the first. */
  generate(prompt: string, options: GenerateOptions): Promise<GenerateResult>
  dispose(): Promise<void>
}

/** Where the WASM runtime files are, and how many threads it runs; set once, before the first load. */
export interface OrtSettings {
  wasmPaths?: ort.Env.WasmPrefixOrFilePaths
  numThreads: number
}

export function configureOrt(settings: OrtSettings): void {
  if (settings.wasmPaths !== undefined) ort.env.wasm.wasmPaths = settings.wasmPaths
  ort.env.wasm.numThreads = settings.numThreads
  // Nodes that WebGPU cannot run fall back to the CPU with a warning per session; that is expected here.
  ort.env.logLevel = 'error'
}

interface GpuLike {
  requestAdapter(): Promise<unknown>
}

/** Why WebGPU cannot be used here, or undefined when an adapter is available. */
async function webgpuProblem(): Promise<string | undefined> {
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu
  if (!gpu) return 'this runtime has no WebGPU (navigator.gpu is missing)'
  try {
    return (await gpu.requestAdapter()) ? undefined : 'navigator.gpu.requestAdapter() returned no adapter'
  } catch (e) {
    return `navigator.gpu.requestAdapter() failed: ${(e as Error).message}`
  }
}

/** The typed error a session-creation failure means; `undefined` when it says nothing about the model. */
export function classifyLoadError(e: unknown): ModelError | undefined {
  const message = e instanceof Error ? e.message : String(e)
  if (/protobuf parsing failed|Failed to load model|invalid wire type|ModelProto/i.test(message)) {
    return new ModelError('not-onnx', `not an ONNX model: ${message}`)
  }
  if (e instanceof RangeError || /out of memory|bad_alloc|memory access out of bounds|Array buffer allocation failed|Aborted\(OOM\)/i.test(message)) {
    return new ModelError('out-of-memory', `out of memory loading or running the model: ${message}`)
  }
  return undefined
}

async function createSession(bytes: Uint8Array, backend: Backend): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: [backend], graphOptimizationLevel: 'all' })
}

/** Checks the interface described at the top of this file and reads the shape from it. */
function readShape(session: ort.InferenceSession, contextLimit: number): ModelShape {
  const fail = (detail: string) => new ModelError('model-signature', `not a Terrain language model: ${detail}`)
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m]))
  const outputs = new Map(session.outputMetadata.map((m) => [m.name, m]))
  const ids = inputs.get('input_ids')
  if (!ids?.isTensor || ids.type !== 'int64') throw fail('no int64 input "input_ids"')
  const logits = outputs.get('logits')
  if (!logits?.isTensor || logits.type !== 'float32') throw fail('no float32 output "logits"')
  if (logits.shape.at(-1) !== BYTE_VOCAB_SIZE) throw fail(`logits end in ${String(logits.shape.at(-1))}, not the byte vocabulary of ${BYTE_VOCAB_SIZE}`)
  const layers = (inputs.size - 1) / 2
  const first = inputs.get('past_key_values.0.key')
  if (!Number.isInteger(layers) || layers < 1 || !first?.isTensor) throw fail('inputs are not input_ids plus past_key_values.<i>.key/value per layer')
  const [, heads, , headDim] = first.shape
  if (typeof heads !== 'number' || typeof headDim !== 'number') throw fail('past_key_values.0.key is not [batch, heads, past, headDim] with fixed heads and headDim')
  for (let i = 0; i < layers; i++) {
    for (const kv of ['key', 'value']) {
      const past = inputs.get(`past_key_values.${i}.${kv}`)
      if (!past?.isTensor || past.type !== 'float32' || past.shape[1] !== heads || past.shape[3] !== headDim) throw fail(`past_key_values.${i}.${kv} is missing or shaped differently`)
      if (!outputs.has(`present.${i}.${kv}`)) throw fail(`output present.${i}.${kv} is missing`)
    }
  }
  if (outputs.size !== inputs.size) throw fail('outputs are not logits plus present.<i>.key/value per layer')
  return { layers, heads, headDim, vocabSize: BYTE_VOCAB_SIZE, contextLimit }
}

function validateGenerateOptions(o: GenerateOptions): void {
  const fail = (detail: string) => new ModelError('invalid-generate-options', detail)
  if (!Number.isSafeInteger(o.maxTokens) || o.maxTokens < 1) throw fail(`maxTokens must be a positive integer, got ${o.maxTokens}`)
  if (!Number.isFinite(o.temperature) || o.temperature < 0) throw fail(`temperature must be finite and ≥ 0, got ${o.temperature}`)
  if (o.topK !== undefined && (!Number.isSafeInteger(o.topK) || o.topK < 1)) throw fail(`topK must be a positive integer, got ${o.topK}`)
  if (!Number.isSafeInteger(o.seed)) throw fail(`seed must be an integer, got ${o.seed}`)
}

/**
 * A macrotask boundary between steps. A WASM step resolves through microtasks
 * only, so without this a worker would never see a cancel message and a
 * server never a closed socket until generation ended. MessageChannel, unlike
 * setTimeout, is not clamped to 4 ms.
 */
function createTaskYield(): { next(): Promise<void>; close(): void } {
  const channel = new MessageChannel()
  let resume: (() => void) | undefined
  channel.port1.onmessage = () => resume?.()
  return {
    next: () =>
      new Promise<void>((resolve) => {
        resume = resolve
        channel.port2.postMessage(null)
      }),
    close: () => channel.port1.close(),
  }
}

class OrtModel implements LoadedModel {
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly session: ort.InferenceSession,
    readonly backend: Backend,
    readonly fallbackReason: string | undefined,
    readonly weightsDigest: string,
    readonly shape: ModelShape,
  ) {}

  generate(prompt: string, options: GenerateOptions): Promise<GenerateResult> {
    const run = this.queue.then(() => this.run(prompt, options))
    this.queue = run.catch(() => undefined)
    return run
  }

  async dispose(): Promise<void> {
    await this.queue
    await this.session.release()
  }

  private emptyCache(): Record<string, ort.Tensor> {
    const cache: Record<string, ort.Tensor> = {}
    for (let i = 0; i < this.shape.layers; i++) {
      for (const kv of ['key', 'value']) {
        cache[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, this.shape.heads, 0, this.shape.headDim])
      }
    }
    return cache
  }

  private async run(prompt: string, options: GenerateOptions): Promise<GenerateResult> {
    validateGenerateOptions(options)
    const started = performance.now()
    const promptIds = encodePrompt(prompt)
    const room = this.shape.contextLimit - promptIds.length
    if (room < 1) {
      throw new ModelError('context-overflow', `the prompt is ${promptIds.length} tokens; the context holds ${this.shape.contextLimit} with room to answer`)
    }
    const maxTokens = Math.min(options.maxTokens, room)
    const sample = createSampler(options.temperature, options.topK, options.seed)
    const textStream = new TokenTextStream()
    const stopText = new StopText(options.stop ?? [])
    const tokens: number[] = []
    let text = ''
    let cache = this.emptyCache()
    let input = promptIds
    let finishReason: FinishReason | undefined
    const taskYield = createTaskYield()
    try {
      while (finishReason === undefined) {
        await taskYield.next()
        if (options.signal?.aborted) throw new ModelError('aborted', `generation aborted: ${String(options.signal.reason)}`)
        const feeds = { ...cache, input_ids: new ort.Tensor('int64', BigInt64Array.from(input, BigInt), [1, input.length]) }
        let out: ort.InferenceSession.ReturnType
        try {
          out = await this.session.run(feeds)
        } catch (e) {
          throw classifyLoadError(e) ?? e
        }
        const all = out.logits!.data as Float32Array
        const logits = all.slice(all.length - BYTE_VOCAB_SIZE)
        const step = tokens.length
        // Sample first: the callee owns the logits afterwards (a worker may transfer their buffer away).
        const id = sample(logits)
        options.onLogits?.(logits, step)
        tokens.push(id)
        let released = stopText.push(textStream.push(id))
        if (id === EOS_TOKEN) finishReason = 'eos'
        else if (stopText.hasStopped) finishReason = 'stop'
        else if (tokens.length >= maxTokens) finishReason = 'length'
        if (finishReason !== undefined && finishReason !== 'stop') released += stopText.push(textStream.flush()) + stopText.flush()
        text += released
        options.onToken?.({ id, text: released })
        cache = {}
        for (const name of Object.keys(feeds)) {
          if (name !== 'input_ids') cache[name] = out[name.replace('past_key_values', 'present')]!
        }
        input = [id]
      }
    } finally {
      taskYield.close()
    }
    return { text, tokens, finishReason, promptTokens: promptIds.length, milliseconds: performance.now() - started }
  }
}

/**
 * Loads a model from its bytes. Throws `ModelError`: 'not-onnx', 'model-signature',
 * 'out-of-memory', 'webgpu-unavailable' (only when 'webgpu' was demanded), 'load-failed'.
 */
export async function loadModel(bytes: Uint8Array, options: LoadModelOptions): Promise<LoadedModel> {
  if (!Number.isSafeInteger(options.contextLimit) || options.contextLimit < 2) {
    throw new ModelError('load-failed', `contextLimit must be an integer ≥ 2, got ${options.contextLimit}`)
  }
  const progress = options.onProgress ?? (() => undefined)
  progress({ stage: 'hashing', loadedBytes: bytes.length, totalBytes: bytes.length })
  const weightsDigest = toHex(await blake3(bytes))
  progress({ stage: 'creating-session', loadedBytes: bytes.length, totalBytes: bytes.length })

  const choice = options.backend ?? 'auto'
  let backend: Backend = 'wasm'
  let fallbackReason: string | undefined
  let session: ort.InferenceSession | undefined
  if (choice !== 'wasm') {
    const problem = await webgpuProblem()
    if (problem === undefined) {
      try {
        session = await createSession(bytes, 'webgpu')
        backend = 'webgpu'
      } catch (e) {
        const typed = classifyLoadError(e)
        if (typed) throw typed
        if (choice === 'webgpu') throw new ModelError('webgpu-unavailable', `the WebGPU session failed: ${(e as Error).message}`)
        fallbackReason = `the WebGPU session failed: ${(e as Error).message}`
      }
    } else if (choice === 'webgpu') {
      throw new ModelError('webgpu-unavailable', problem)
    } else {
      fallbackReason = problem
    }
  }
  if (!session) {
    try {
      session = await createSession(bytes, 'wasm')
    } catch (e) {
      throw classifyLoadError(e) ?? new ModelError('load-failed', `could not create the inference session: ${(e as Error).message}`)
    }
  }
  let shape: ModelShape
  try {
    shape = readShape(session, options.contextLimit)
  } catch (e) {
    await session.release()
    throw e
  }
  progress({ stage: 'ready', loadedBytes: bytes.length, totalBytes: bytes.length })
  return new OrtModel(session, backend, fallbackReason, weightsDigest, shape)
}
