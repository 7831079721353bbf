/**
 * "Provide" in a tab: the model runs in the provider worker (WebGPU when the
 * browser has an adapter, WASM otherwise), circuits addressed to this page
 * are answered from it, and a signed descriptor announces it every epoch.
 */
import type { Libp2p } from '@libp2p/interface'
import {
  builtInPrompt,
  INFERENCE_SERVICE,
  msUntilNextEpoch,
  serveInference,
  type CircuitStream,
  type InferenceEngine,
  type RuleBundle,
} from '../core/index.js'
import type { LogWorkerApi } from '../workers/log-worker.js'
import type { ProviderModelInfo } from '../workers/provider-worker.js'
import type { ModelLoadProgress } from '../workers/model/runtime.js'
import type * as Comlink from 'comlink'
import { proxy } from 'comlink'
import { startProviderWorker, type ProviderWorker } from './provider-worker-client.js'
import { realTimeScheduler } from '../relay-server/circuit-links.js'

export interface ProviderStats {
  requests: number
  tokens: number
  errors: number
  lastError: string | undefined
}

export interface ProvideOptions {
  model: string
  backend: 'auto' | 'webgpu' | 'wasm'
  onProgress: (progress: ModelLoadProgress) => void
}

/** This page's reachable addresses (through its relay reservations): where others find it. */
export function contactPoints(node: Libp2p): string[] {
  return node
    .getMultiaddrs()
    .map((a) => a.toString())
    .filter((a) => a.includes('/p2p-circuit') && !a.includes('/webrtc'))
}

/** Requests kept for the privacy view: exactly what reached this provider, nothing else. */
const RECEIVED_KEPT = 500

export class PageProvider {
  readonly stats: ProviderStats = { requests: 0, tokens: 0, errors: 0, lastError: undefined }
  /** The most recent requests as they arrived (JSON of the inference request), oldest first. */
  readonly received: string[] = []
  private republish: ReturnType<typeof setTimeout> | undefined
  private nextRequest = 0

  private constructor(
    private readonly worker: ProviderWorker,
    readonly info: ProviderModelInfo,
    private readonly node: Libp2p,
    private readonly log: Comlink.Remote<LogWorkerApi>,
    private readonly rules: RuleBundle,
  ) {}

  /** Load the model and announce it; rejects with the worker's typed `ModelError` when the model cannot load. */
  static async start(node: Libp2p, log: Comlink.Remote<LogWorkerApi>, rules: RuleBundle, options: ProvideOptions): Promise<PageProvider> {
    const worker = startProviderWorker()
    try {
      const info = await Promise.race([worker.api.loadBuiltIn(options.model, options.backend, proxy(options.onProgress)), worker.failed])
      const provider = new PageProvider(worker, info, node, log, rules)
      await provider.announce()
      return provider
    } catch (e) {
      worker.terminate()
      throw e
    }
  }

  /** The engine circuits addressed to this page are answered from. */
  get engine(): InferenceEngine {
    return { model: this.info.id, runtime: this.runtimeId, generate: (request, onToken, cancelled) => this.generate(request, onToken, cancelled) }
  }

  /** The exit handler: serves the inference service, refuses anything else. */
  serve(stream: CircuitStream, service: string): void {
    if (service !== INFERENCE_SERVICE) return stream.abort('unknown-service')
    this.stats.requests++
    void serveInference(stream, this.engine, {
      scheduler: realTimeScheduler,
      onError: (e) => {
        this.stats.errors++
        this.stats.lastError = e instanceof Error ? e.message : String(e)
      },
    })
  }

  get runtimeId(): string {
    return `onnxruntime-web/${this.info.backend}`
  }

  stop(): void {
    clearTimeout(this.republish)
    this.worker.terminate()
  }

  /** Publish this epoch's descriptor, and schedule the next epoch's. */
  private async announce(): Promise<void> {
    await this.log.publishDescriptor(
      { baseModelId: this.info.id, weightsDigest: this.info.weightsDigest, runtimeId: this.runtimeId, contextLimit: this.info.shape.contextLimit },
      contactPoints(this.node),
    )
    this.republish = setTimeout(() => void this.announce().catch(() => undefined), msUntilNextEpoch(this.rules, Date.now()) + 1_000)
  }

  private async generate(request: Parameters<InferenceEngine['generate']>[0], onToken: (text: string) => void, cancelled: () => boolean) {
    const requestId = `r${this.nextRequest++}`
    this.received.push(JSON.stringify(request))
    if (this.received.length > RECEIVED_KEPT) this.received.shift()
    const watch = setInterval(() => {
      if (cancelled()) void this.worker.api.cancel(requestId)
    }, 250)
    // Token callbacks travel on their own message port, so the result may overtake the last of
    // them: the result's text is the authority, and whatever it holds beyond what streamed is sent.
    let streamed = ''
    let finished = false
    try {
      const result = await this.worker.api.generate(
        { requestId, prompt: builtInPrompt(request.messages), maxTokens: request.maxTokens, temperature: request.temperature, seed: request.seed ?? 0 },
        proxy((token: { text: string }) => {
          if (finished || !token.text) return
          this.stats.tokens++
          streamed += token.text
          onToken(token.text)
        }),
      )
      finished = true
      if (result.text.startsWith(streamed) && result.text.length > streamed.length) onToken(result.text.slice(streamed.length))
      return { finishReason: result.finishReason === 'length' ? ('length' as const) : ('stop' as const), tokens: result.tokens.length }
    } finally {
      clearInterval(watch)
    }
  }
}
