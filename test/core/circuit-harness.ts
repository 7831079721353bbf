/**
 * A small circuit network in memory for the circuit tests: one client peer
 * and named hops, every link a `MemoryLink` whose cells are all recorded,
 * virtual time, and each hop's observations and errors kept for assertions.
 */
import {
  CircuitClient,
  CircuitHop,
  ManualScheduler,
  MemoryLink,
  concatBytes,
  createCircuitSettings,
  createSigner,
  getEd25519,
  toHex,
  type CellChannel,
  type CellMux,
  type CircuitError,
  type CircuitSettings,
  type CircuitStream,
  type ExitHandler,
  type HopObservation,
  type PathHop,
  type RandomSource,
} from '../../core/index.js'

export const CLIENT = 'client'

export interface TestHop {
  name: string
  publicKey: Uint8Array
  hop: CircuitHop
  observations: HopObservation[]
  errors: CircuitError[]
}

export interface RecordedCell {
  from: string
  to: string
  cell: Uint8Array
}

/** Echoes every chunk back and ends when the client ends. */
export const echoExit: ExitHandler = (stream) => {
  void (async () => {
    for await (const chunk of stream) stream.write(chunk)
    stream.end()
  })().catch(() => {})
}

export async function readAll(stream: CircuitStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return concatBytes(...chunks)
}

/** The error `promise` rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<CircuitError> {
  try {
    await promise
  } catch (e) {
    return e as CircuitError
  }
  throw new Error('expected a rejection')
}

export class CircuitTestbed {
  readonly scheduler = new ManualScheduler()
  readonly settings: CircuitSettings
  readonly hops = new Map<string, TestHop>()
  /** Every cell on every link, in send order. */
  readonly cells: RecordedCell[] = []
  readonly links = new Map<string, MemoryLink>()
  /** Hops the dialers cannot reach. */
  readonly unreachable = new Set<string>()
  /** Whether dialers refuse a peer whose key is not the one asked for (as a libp2p dial by peer id does). */
  checkDialedKeys = true
  private clientInstance: CircuitClient | undefined

  constructor(settings: Partial<CircuitSettings> = {}) {
    this.settings = createCircuitSettings(settings)
  }

  async addHop(
    name: string,
    options: { exit?: ExitHandler; settings?: Partial<CircuitSettings>; seed?: number; random?: RandomSource } = {},
  ): Promise<TestHop> {
    const ed = await getEd25519()
    const identity = await createSigner(new Uint8Array(32).fill(options.seed ?? this.hops.size + 1), ed)
    const record: TestHop = { name, publicKey: identity.publicKey, hop: undefined!, observations: [], errors: [] }
    record.hop = new CircuitHop({
      settings: { ...this.settings, ...options.settings },
      identity,
      scheduler: this.scheduler,
      dialer: { dial: (key, hint) => this.dial(name, key, hint) },
      exit: options.exit,
      observer: (o) => record.observations.push(o),
      onError: (e) => record.errors.push(e),
      random: options.random,
    })
    this.hops.set(name, record)
    return record
  }

  /** The client peer; `random` (ephemeral keys) only takes effect on the first call. */
  async client(random?: RandomSource): Promise<CircuitClient> {
    this.clientInstance ??= new CircuitClient({ settings: this.settings, scheduler: this.scheduler, ed25519: await getEd25519(), random })
    return this.clientInstance
  }

  /** The client's mux on a new channel to hop `name`. */
  async clientMux(name: string, onError?: (error: CircuitError) => void): Promise<CellMux> {
    const link = this.link(CLIENT, name)
    return (await this.client()).attach(link.a, onError)
  }

  path(...names: string[]): PathHop[] {
    return names.map((name) => ({ publicKey: this.hop(name).publicKey, contactHint: name }))
  }

  hop(name: string): TestHop {
    const hop = this.hops.get(name)
    if (!hop) throw new Error(`no hop ${name}`)
    return hop
  }

  /** A new link from `from` to hop `to`, whose far end `to` takes. */
  link(from: string, to: string): MemoryLink {
    const link = new MemoryLink(from, to, (a, b, cell) => this.cells.push({ from: a, to: b, cell }))
    this.hop(to).hop.attach(link.b)
    this.links.set(`${from}->${to}`, link)
    return link
  }

  /** Cells recorded between `a` and `b`, either way. */
  cellsBetween(a: string, b: string): RecordedCell[] {
    return this.cells.filter((c) => (c.from === a && c.to === b) || (c.from === b && c.to === a))
  }

  /** The dialer of hop `from`: reaches hop `hint` over one reused link. */
  private async dial(from: string, key: Uint8Array, hint: string): Promise<CellChannel> {
    const target = this.hops.get(hint)
    if (!target || this.unreachable.has(hint) || (this.checkDialedKeys && toHex(target.publicKey) !== toHex(key))) throw new Error(`cannot reach ${hint}`)
    return (this.links.get(`${from}->${hint}`) ?? this.link(from, hint)).a
  }
}

/** Lets queued cells and signatures finish (the Ed25519 backend may answer off-thread). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
