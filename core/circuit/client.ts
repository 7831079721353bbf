/**
 * The client side: builds a circuit hop by hop (CREATE to the first hop
 * over a channel, then an EXTEND to the last hop for each further one),
 * checks every hop's signed handshake against the key the path names, and
 * opens streams at the last hop.
 */
import { utf8 } from '../bytes.js'
import { PUBLIC_KEY_BYTES, type Ed25519Backend } from '../ed25519.js'
import {
  CELL_HEADER_BYTES,
  cellBody,
  decodeCreated,
  decodeDestroy,
  destroyReasonFor,
  destroyedError,
  encodeCreate,
  writeCellHeader,
  type CellHeader,
  type CreatedBody,
  type DestroyReason,
} from './cell.js'
import { CellMux, type CellChannel, type CircuitEnd } from './channel.js'
import { CircuitError } from './errors.js'
import { completeHandshake, newEphemeralKeyPair, systemRandom, type RandomSource } from './handshake.js'
import { ClientOnion } from './onion.js'
import {
  decodeExtendFailed,
  decodeExtended,
  decodeRelayMessages,
  decodeText,
  encodeExtend,
  encodeRelayMessages,
  encodeTextWithin,
  maxRelayData,
  type RelayMessage,
} from './relay-message.js'
import { RelayOutbox } from './relay-outbox.js'
import { IdleTimer, type Scheduler } from './scheduler.js'
import { createCircuitSettings, type CircuitSettings } from './settings.js'
import { StreamEnd, type CircuitStream, type StreamSink } from './stream.js'

/** Most hops in a path: the rule bundle's bound on `defaultCircuitLen`. */
export const MAX_PATH_HOPS = 8

export interface PathHop {
  /** The hop's Ed25519 identity (transport) key; its CREATED must be signed by it. */
  publicKey: Uint8Array
  /** How the previous hop reaches this one (a peer id, a multiaddr); unused for the first hop. */
  contactHint: string
}

export interface CircuitClientOptions {
  settings?: Partial<CircuitSettings>
  scheduler: Scheduler
  /** Verifies the hops' handshake signatures. */
  ed25519: Ed25519Backend
  /** Source of the ephemeral keys; the runtime's CSPRNG unless fixed for a simulation. */
  random?: RandomSource
}

export class CircuitClient {
  readonly settings: CircuitSettings

  constructor(private readonly options: CircuitClientOptions) {
    this.settings = createCircuitSettings(options.settings)
  }

  /** A mux for a channel this peer opened to a first hop; circuits over one channel share it. */
  attach(channel: CellChannel, onError: (error: CircuitError, peer: string) => void = () => {}): CellMux {
    return new CellMux(channel, { cellBytes: this.settings.cellBytes, maxCircuits: this.settings.maxCircuitsPerChannel, onError })
  }

  /** Builds a circuit along `path` through `mux` (whose channel reaches `path[0]`); rejects with a `CircuitError`. */
  async build(mux: CellMux, path: readonly PathHop[]): Promise<ClientCircuit> {
    checkPath(path, this.settings.cellBytes)
    const circuit = new ClientCircuit(mux, path, this.settings, this.options.scheduler)
    await circuit.establish(this.options.ed25519, this.options.random ?? systemRandom)
    return circuit
  }
}

function checkPath(path: readonly PathHop[], cellBytes: number): void {
  const bad = (detail: string) => new CircuitError('circuit/bad-path', `path: ${detail}`)
  if (path.length < 1 || path.length > MAX_PATH_HOPS) throw bad(`a path has 1 to ${MAX_PATH_HOPS} hops, got ${path.length}`)
  const hintRoom = maxRelayData(cellBytes) - 2 * PUBLIC_KEY_BYTES
  path.forEach((hop, i) => {
    if (hop.publicKey.length !== PUBLIC_KEY_BYTES) throw bad(`hop ${i + 1} key is not ${PUBLIC_KEY_BYTES} bytes`)
    if (i > 0 && utf8(hop.contactHint).length > hintRoom) throw bad(`hop ${i + 1} contact hint exceeds ${hintRoom} bytes`)
  })
}

export type ClientCircuitState = 'building' | 'open' | 'closed'

/** A circuit this peer built. It ends on a DESTROY, a bad cell, its channel closing, a timeout, or `destroy()`. */
export class ClientCircuit {
  readonly circuitId: number
  private status: ClientCircuitState = 'building'
  private failure: CircuitError | undefined
  private readonly onion = new ClientOnion()
  private readonly streams = new Map<number, StreamEnd>()
  private nextStreamId = 1
  /** The CREATED or EXTENDED the build waits for. */
  private pending: { resolve: (created: CreatedBody) => void; reject: (error: CircuitError) => void } | undefined
  private cancelBuildTimer: (() => void) | undefined
  private idle: IdleTimer | undefined
  private readonly sink: StreamSink
  private readonly maxData: number
  private readonly outbox: RelayOutbox

  constructor(
    private readonly mux: CellMux,
    private readonly path: readonly PathHop[],
    private readonly settings: CircuitSettings,
    private readonly scheduler: Scheduler,
  ) {
    const end: CircuitEnd = {
      receive: (header, cell) => this.receive(header, cell),
      rejectCell: (error) => this.end(error, destroyReasonFor(error)),
      channelClosed: () => this.end(destroyedError('channel-closed', 'its channel closing'), undefined),
    }
    this.circuitId = mux.allocate(end)
    this.maxData = maxRelayData(settings.cellBytes)
    this.outbox = new RelayOutbox(settings.cellBytes, (destination, messages) => this.sendRelayCell(destination, messages))
    this.sink = {
      maxData: this.maxData,
      sendData: (id, data) => this.sendRelay(this.onion.length, { command: 'data', streamId: id, data }),
      sendEnd: (id, reason) => this.sendRelay(this.onion.length, { command: 'end', streamId: id, data: encodeTextWithin(reason, this.maxData) }),
      release: (id) => this.streams.delete(id),
    }
  }

  get state(): ClientCircuitState {
    return this.status
  }

  /** Hops built so far. */
  get hops(): number {
    return this.onion.length
  }

  /** The error the circuit ended with, once closed. */
  get closedBy(): CircuitError | undefined {
    return this.failure
  }

  /** Opens a stream at the last hop; `service` tells the exit what is asked of it (empty for its default). */
  openStream(service = ''): CircuitStream {
    if (this.failure) throw this.failure
    if (this.streams.size >= this.settings.maxStreamsPerCircuit) {
      throw new CircuitError('circuit/too-many-streams', `circuit already carries ${this.streams.size} streams`)
    }
    while (this.streams.has(this.nextStreamId)) this.nextStreamId = (this.nextStreamId % 0xffff) + 1
    const stream = new StreamEnd(this.nextStreamId, this.sink)
    this.nextStreamId = (this.nextStreamId % 0xffff) + 1
    this.streams.set(stream.id, stream)
    this.sendRelay(this.onion.length, { command: 'begin', streamId: stream.id, data: utf8(service) })
    return stream
  }

  /** Ends the circuit: a DESTROY down the path, and every stream fails with `circuit/destroyed` (`finished`). */
  destroy(): void {
    this.end(destroyedError('finished', 'this side'), 'finished')
  }

  /** Runs the build: one handshake per hop, each checked against the path's key. */
  async establish(ed25519: Ed25519Backend, random: RandomSource): Promise<void> {
    this.cancelBuildTimer = this.scheduler.schedule(this.settings.buildTimeoutMs, () => {
      this.end(new CircuitError('circuit/timeout', `circuit not built within ${this.settings.buildTimeoutMs} ms`), 'timeout')
    })
    try {
      for (const [i, hop] of this.path.entries()) {
        const ephemeral = newEphemeralKeyPair(random)
        const reply = new Promise<CreatedBody>((resolve, reject) => (this.pending = { resolve, reject }))
        if (i === 0) this.mux.send(encodeCreate(this.settings.cellBytes, this.circuitId, ephemeral.publicKey))
        else {
          const extend = encodeExtend({ nextHopKey: hop.publicKey, clientPublic: ephemeral.publicKey, contactHint: hop.contactHint })
          this.sendRelay(i, { command: 'extend', streamId: 0, data: extend })
        }
        const keys = await completeHandshake(ed25519, hop.publicKey, ephemeral, await reply)
        if (this.failure) throw this.failure
        this.onion.addHop(keys)
      }
    } catch (e) {
      if (!(e instanceof CircuitError)) throw e
      this.end(e, e.code === 'circuit/extend-failed' ? 'finished' : destroyReasonFor(e))
      throw this.failure
    }
    this.cancelBuildTimer()
    this.status = 'open'
    this.idle = new IdleTimer(this.scheduler, this.settings.idleTimeoutMs, () => {
      this.end(new CircuitError('circuit/timeout', `no cell for ${this.settings.idleTimeoutMs} ms`), 'timeout')
    })
  }

  private receive(header: CellHeader, cell: Uint8Array): void {
    this.idle?.touch()
    try {
      if (header.command === 'destroy') this.end(destroyedError(decodeDestroy(cell), 'a hop'), undefined)
      else if (header.command === 'created') this.onCreated(decodeCreated(cell))
      else this.onRelay(header.seq, cell)
    } catch (e) {
      if (!(e instanceof CircuitError)) throw e
      this.end(e, destroyReasonFor(e))
    }
  }

  private onCreated(created: CreatedBody): void {
    if (this.onion.length > 0 || !this.pending) throw new CircuitError('circuit/unexpected-cell', 'CREATED for a circuit already created')
    this.settle(created)
  }

  private onRelay(seq: number, cell: Uint8Array): void {
    if (this.onion.length === 0) throw new CircuitError('circuit/unexpected-cell', 'RELAY before CREATED')
    const expected = this.onion.expectedBackwardSeq
    if (seq !== expected) throw new CircuitError('circuit/replay', `relay cell seq ${seq}, expected ${expected}`)
    const opened = this.onion.unwrap(cellBody(cell))
    if (!opened) throw new CircuitError('circuit/tampered', 'a backward cell no hop of the circuit sealed')
    for (const message of decodeRelayMessages(opened.plaintext)) {
      // A message before this one may have ended the circuit.
      if (this.status === 'closed') return
      this.onMessage(message, opened.hop)
    }
  }

  private onMessage(message: RelayMessage, hop: number): void {
    const fromLast = hop === this.onion.length
    if (fromLast && this.pending && message.command === 'extended') this.settle(decodeExtended(message.data))
    else if (fromLast && this.pending && message.command === 'extend-failed') {
      const failure = decodeExtendFailed(message.data)
      this.settle(new CircuitError('circuit/extend-failed', `hop ${hop} could not extend: ${failure}`, failure))
    } else if (fromLast && this.status === 'open' && (message.command === 'data' || message.command === 'end')) this.onStreamMessage(message)
    else throw new CircuitError('circuit/unexpected-cell', `${message.command} from hop ${hop} unexpected here`)
  }

  private onStreamMessage(message: RelayMessage): void {
    // A stream this side already released may still get the other end's late cells.
    const stream = this.streams.get(message.streamId)
    if (!stream) return
    if (message.command === 'data') stream.receiveData(message.data)
    else stream.receiveEnd(decodeText(message.data, 'END reason'))
  }

  private settle(outcome: CreatedBody | CircuitError): void {
    const pending = this.pending!
    this.pending = undefined
    if (outcome instanceof CircuitError) pending.reject(outcome)
    else pending.resolve(outcome)
  }

  private sendRelay(destination: number, message: RelayMessage): void {
    if (this.status !== 'closed') this.outbox.push(destination, message)
  }

  private sendRelayCell(destination: number, messages: readonly RelayMessage[]): void {
    if (this.status === 'closed') return
    const cell = new Uint8Array(this.settings.cellBytes)
    const seq = this.onion.wrap(destination, encodeRelayMessages(this.settings.cellBytes, messages), cell.subarray(CELL_HEADER_BYTES))
    writeCellHeader(cell, this.circuitId, 'relay', seq)
    this.idle?.touch()
    this.mux.send(cell)
  }

  /** Ends the circuit with `error`; sends a DESTROY with `reason` unless the other side already knows. */
  private end(error: CircuitError, reason: DestroyReason | undefined): void {
    if (this.status === 'closed') return
    // What this side queued goes before its DESTROY; with none to send, the path is gone.
    if (reason !== undefined) this.outbox.flush()
    else this.outbox.clear()
    this.status = 'closed'
    this.failure = error
    this.cancelBuildTimer?.()
    this.idle?.stop()
    this.mux.unregister(this.circuitId)
    if (reason !== undefined) this.mux.sendDestroy(this.circuitId, reason)
    if (this.pending) this.settle(error)
    for (const stream of this.streams.values()) stream.fail(error)
    this.streams.clear()
  }
}
