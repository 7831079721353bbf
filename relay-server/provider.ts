/**
 * A Node peer as a provider: an inference engine (the built-in model run
 * in this process, or a forward to an OpenAI-compatible server), the exit
 * handler that answers circuits with it, and the signed descriptor it
 * publishes every epoch.
 */
import {
  blake3,
  builtInPrompt,
  INFERENCE_SERVICE,
  msUntilNextEpoch,
  epochAt,
  descriptorEvent,
  fromHex,
  serveInference,
  utf8,
  type CircuitStream,
  type InferenceEngine,
  type ServedModel,
  type Signer,
  type World,
} from '../core/index.js'
import { forwardChatCompletion } from '../workers/model/openai-forward.js'
import { configureOrtForNode, loadBuiltInModelFromDisk } from '../workers/model/node.js'
import type { RelayConfig } from './config.js'
import type { Mesh } from './mesh.js'
import { realTimeScheduler } from './circuit-links.js'

export interface NodeProvider {
  engine: InferenceEngine
  served: ServedModel
  stats: { requests: number; errors: number }
  /** The exit handler for this peer's circuit hop. */
  serve(stream: CircuitStream, service: string): void
  stop(): Promise<void>
}

/**
 * Runs `work` with a signal that aborts once `cancelled()` turns true. The
 * engine interface offers a poll, not an event, so it is polled.
 */
async function abortableWhile<T>(cancelled: () => boolean, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController()
  const watch = setInterval(() => cancelled() && abort.abort('the client went away'), 250)
  try {
    return await work(abort.signal)
  } finally {
    clearInterval(watch)
  }
}

const finishOf = (reason: string | null): 'stop' | 'length' => (reason === 'length' ? 'length' : 'stop')

/** The built-in model `id`, loaded from public/models/ into onnxruntime-web's WASM runtime. */
async function builtInEngine(id: string): Promise<{ engine: InferenceEngine; served: ServedModel; dispose: () => Promise<void> }> {
  configureOrtForNode()
  const { entry, model } = await loadBuiltInModelFromDisk(id, { backend: 'wasm' })
  const runtime = `onnxruntime-web/${model.backend}`
  const engine: InferenceEngine = {
    model: entry.id,
    runtime,
    generate: (request, onToken, cancelled) =>
      abortableWhile(cancelled, async (signal) => {
        const result = await model.generate(builtInPrompt(request.messages), {
          maxTokens: request.maxTokens,
          temperature: request.temperature,
          seed: request.seed ?? 0,
          signal,
          onToken: (token) => token.text && onToken(token.text),
        })
        return { finishReason: finishOf(result.finishReason), tokens: result.tokens.length }
      }),
  }
  const served = { baseModelId: entry.id, weightsDigest: fromHex(model.weightsDigest), runtimeId: runtime, contextLimit: model.shape.contextLimit }
  return { engine, served, dispose: () => model.dispose() }
}

/** Forwards each request to an OpenAI-compatible server, streaming its deltas back. */
async function forwardEngine(baseUrl: string, model: string): Promise<{ engine: InferenceEngine; served: ServedModel; dispose: () => Promise<void> }> {
  const engine: InferenceEngine = {
    model,
    runtime: 'openai-forward',
    generate: (request, onToken, cancelled) =>
      abortableWhile(cancelled, async (signal) => {
        let tokens = 0
        const result = await forwardChatCompletion(
          { model, messages: request.messages, max_tokens: request.maxTokens, temperature: request.temperature, ...(request.seed === undefined ? {} : { seed: request.seed }) },
          { baseUrl, signal, onDelta: (text) => (tokens++, onToken(text)) },
        )
        return { finishReason: finishOf(result.finishReason), tokens }
      }),
  }
  // There are no weights here to hash: the digest commits to the upstream server and model name.
  const served = { baseModelId: model, weightsDigest: await blake3(utf8(`${baseUrl}#${model}`)), runtimeId: 'openai-forward', contextLimit: 4096 }
  return { engine, served, dispose: async () => {} }
}

export async function startNodeProvider(config: Pick<RelayConfig, 'provide' | 'forwardUrl' | 'forwardModel'>): Promise<NodeProvider | undefined> {
  if (config.provide === '' && config.forwardUrl === '') return undefined
  const { engine, served, dispose } = config.provide !== '' ? await builtInEngine(config.provide) : await forwardEngine(config.forwardUrl, config.forwardModel)
  const stats = { requests: 0, errors: 0 }
  return {
    engine,
    served,
    stats,
    serve(stream, service) {
      if (service !== INFERENCE_SERVICE) return stream.abort('unknown-service')
      stats.requests++
      void serveInference(stream, engine, { scheduler: realTimeScheduler, onError: () => stats.errors++ })
    },
    stop: dispose,
  }
}

/** Publishes the provider's descriptor now and at the start of every later epoch. */
export class DescriptorAnnouncer {
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly mesh: Mesh,
    private readonly world: World,
    private readonly signer: Signer,
    private readonly served: ServedModel,
    private readonly contactPoints: () => string[],
  ) {}

  async start(): Promise<void> {
    await this.announce()
  }

  stop(): void {
    clearTimeout(this.timer)
  }

  private async announce(): Promise<void> {
    const event = await descriptorEvent({
      world: this.world.id,
      epoch: epochAt(this.world.rules, Date.now()),
      contactPoints: this.contactPoints(),
      model: this.served,
      signer: this.signer,
    })
    if (!(await this.mesh.replica.log.store.has(event.eventId))) await this.mesh.publish(event)
    this.timer = setTimeout(() => void this.announce().catch(() => undefined), msUntilNextEpoch(this.world.rules, Date.now()) + 1_000)
  }
}
