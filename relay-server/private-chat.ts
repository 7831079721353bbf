/**
 * Asking a provider privately (from a page or the Node gateway): pick a provider of the requested model from
 * the world's descriptors, choose relay hops under the privacy rules, build
 * an onion circuit (or reuse an open one to that provider), and stream the
 * answer back through it. When a circuit or its provider fails, the answer
 * is retried on another circuit, preferring another provider.
 */
import type { Libp2p } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  CircuitError,
  INFERENCE_SERVICE,
  InferenceError,
  requestInference,
  selectPath,
  TerrainError,
  type ChatMessage,
  type ClientCircuit,
  type HopCandidate,
  type RuleBundle,
  type ProviderSummary,
} from '../core/index.js'
import type { CircuitLinks } from './circuit-links.js'
import { hopCandidates, providerHop } from './hop-candidates.js'

export type ChatErrorCode = 'no-providers' | 'no-circuit' | 'provider-died'

export class ChatError extends TerrainError {
  declare readonly code: ChatErrorCode
}

export interface PathHopView {
  peerId: string
  role: 'entry' | 'middle' | 'exit'
  relayGroup: string
}

export interface AskOptions {
  /** Only providers serving this base model; any when undefined. */
  model?: string
  /** Only this provider (its key): a prober sending a challenge to the target it probes. */
  provider?: string
  /**
   * Relay hops to use, entry first, instead of a random draw (a user pinning
   * hops they trust). The privacy rules still apply to them.
   */
  pinnedHops?: string[]
  maxTokens: number
  temperature: number
  onToken: (text: string) => void
  /** The circuit the answer travels on (again on each retry). */
  onPath?: (path: PathHopView[], provider: ProviderSummary) => void
  onStatus?: (text: string) => void
}

export interface Answer {
  text: string
  tokens: number
  finishReason: 'stop' | 'length'
  /** From sending the prompt on a built circuit to the first token. */
  firstTokenMs: number
  /** Circuit build time; 0 when an open circuit was reused. */
  circuitMs: number
  tokensPerSecond: number
  retries: number
  provider: ProviderSummary
  path: PathHopView[]
}

const MAX_ATTEMPTS = 3

/**
 * Picks one of the candidates (all serve the request's model, none failed
 * yet): a router's belief-based choice. The default draws uniformly.
 */
export type ProviderRoute = (candidates: ProviderSummary[], model: string | undefined) => Promise<ProviderSummary>

export class PrivateChat {
  /** Open circuits by provider key, reused for later prompts to the same provider. */
  private readonly circuits = new Map<string, { circuit: ClientCircuit; path: PathHopView[] }>()

  constructor(
    private readonly node: Libp2p,
    private readonly links: CircuitLinks,
    private readonly providers: () => Promise<ProviderSummary[]>,
    /** Relay multiaddrs (with `/p2p/<id>`) as currently known. */
    private readonly relays: () => readonly string[],
    private readonly rules: RuleBundle,
    private readonly random: () => number = Math.random,
    private readonly route: ProviderRoute = async (candidates) => candidates[Math.floor(random() * candidates.length)]!,
  ) {}

  /** Base models some current provider serves. */
  async models(): Promise<string[]> {
    return [...new Set((await this.providers()).map((p) => p.model))].sort()
  }

  async ask(messages: ChatMessage[], options: AskOptions): Promise<Answer> {
    const failed = new Set<string>()
    let lastError: unknown
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const provider = await this.pickProvider(options, failed)
      try {
        return { ...(await this.askOnce(provider, messages, options)), retries: attempt }
      } catch (e) {
        if (!(e instanceof CircuitError || e instanceof InferenceError || e instanceof ChatError) || (e instanceof ChatError && e.code === 'no-providers')) throw e
        lastError = e
        failed.add(provider.providerKey)
        this.circuits.get(provider.providerKey)?.circuit.destroy()
        this.circuits.delete(provider.providerKey)
        options.onStatus?.(`attempt ${attempt + 1} failed (${e.message}); retrying on another circuit`)
      }
    }
    throw new ChatError('provider-died', `no answer after ${MAX_ATTEMPTS} circuits: ${lastError instanceof Error ? lastError.message : String(lastError)}`)
  }

  /** Destroys every open circuit. */
  close(): void {
    for (const { circuit } of this.circuits.values()) circuit.destroy()
    this.circuits.clear()
  }

  private async pickProvider({ model, provider }: AskOptions, failed: ReadonlySet<string>): Promise<ProviderSummary> {
    const self = this.node.peerId.toString()
    const all = (await this.providers()).filter(
      (p) => (model === undefined || p.model === model) && (provider === undefined || p.providerKey === provider) && providerHop(p).peerId !== self,
    )
    if (all.length === 0) {
      const wanted = provider ? `provider ${provider.slice(0, 12)}…` : model ? `a provider of ${model}` : 'a provider'
      throw new ChatError('no-providers', `${wanted} is not in this world right now`)
    }
    const fresh = all.filter((p) => !failed.has(p.providerKey))
    return this.route(fresh.length > 0 ? fresh : all, model)
  }

  private async circuitTo(provider: ProviderSummary, options: AskOptions): Promise<{ circuit: ClientCircuit; path: PathHopView[]; builtMs: number }> {
    const open = this.circuits.get(provider.providerKey)
    const pinned = options.pinnedHops
    if (open && open.circuit.state === 'open' && (!pinned || (open.path.length === pinned.length + 1 && pinned.every((id, i) => open.path[i]!.peerId === id)))) {
      return { ...open, builtMs: 0 }
    }
    const exit = providerHop(provider)
    let hops: HopCandidate[]
    try {
      const candidates = await hopCandidates(this.node, this.relays())
      hops = selectPath({
        client: this.node.peerId.toString(),
        exit,
        length: pinned ? pinned.length + 1 : this.rules.defaultCircuitLen,
        candidates: pinned ? pinned.map((id) => candidates.find((c) => c.peerId === id) ?? { peerId: id, relayGroup: id }) : candidates,
        random: this.random,
        keepOrder: pinned !== undefined,
      })
    } catch (e) {
      throw new ChatError('no-circuit', e instanceof Error ? e.message : String(e))
    }
    const path: PathHopView[] = hops.map((h, i) => ({ peerId: h.peerId, relayGroup: h.relayGroup, role: i === hops.length - 1 ? 'exit' : i === 0 ? 'entry' : 'middle' }))
    options.onStatus?.(`building a ${hops.length}-hop circuit`)
    const started = performance.now()
    const entry = peerIdFromString(hops[0]!.peerId)
    let circuit: ClientCircuit
    try {
      // A 1-hop path enters at the provider itself, through the address it announced.
      const mux = await this.links.clientMux(entry, hops.length === 1 ? exit.contactHint : entry.toString())
      circuit = await this.links.client.build(
        mux,
        hops.map((h) => ({
          publicKey: peerIdFromString(h.peerId).publicKey!.raw,
          contactHint: h.peerId === exit.peerId ? exit.contactHint : h.peerId,
        })),
      )
    } catch (e) {
      if (e instanceof CircuitError) throw e
      throw new CircuitError('circuit/extend-failed', `could not reach the entry hop ${entry.toString()}: ${e instanceof Error ? e.message : String(e)}`)
    }
    // One circuit a provider: one pinned elsewhere gives way to this one rather than idle on until its timeout.
    open?.circuit.destroy()
    this.circuits.set(provider.providerKey, { circuit, path })
    return { circuit, path, builtMs: performance.now() - started }
  }

  private async askOnce(provider: ProviderSummary, messages: ChatMessage[], options: AskOptions): Promise<Omit<Answer, 'retries'>> {
    const { circuit, path, builtMs } = await this.circuitTo(provider, options)
    options.onPath?.(path, provider)
    options.onStatus?.('waiting for the first token')
    const sent = performance.now()
    let first: number | undefined
    let text = ''
    let tokens = 0
    const answer = requestInference(circuit.openStream(INFERENCE_SERVICE), { messages, maxTokens: options.maxTokens, temperature: options.temperature, model: provider.model })
    for (;;) {
      const next = await answer.next()
      if (next.done) {
        const seconds = (performance.now() - (first ?? sent)) / 1000
        return {
          text,
          tokens: next.value.tokens,
          finishReason: next.value.finishReason,
          firstTokenMs: (first ?? performance.now()) - sent,
          circuitMs: builtMs,
          tokensPerSecond: tokens > 1 && seconds > 0 ? (tokens - 1) / seconds : 0,
          provider,
          path,
        }
      }
      first ??= performance.now()
      tokens++
      text += next.value
      options.onToken(next.value)
    }
  }
}
