/**
 * Channels and the circuit multiplexer. A `CellChannel` is one ordered,
 * bidirectional link between two peers (a libp2p stream in pages and
 * relays, an in-memory pair in tests); web/ and relay-server/ implement it.
 * A `CellMux` takes a channel, checks every inbound cell's header and routes
 * it by circuit id. Circuit ids are local to a channel and chosen by the
 * side that sends the CREATE: the side that opened the channel uses ids
 * with the top bit set, the other side ids with it clear, so both can build
 * circuits over one channel without colliding.
 */
import { peekCircuitId, readCellHeader, encodeDestroy, type CellHeader, type DestroyReason } from './cell.js'
import { CircuitError } from './errors.js'

export interface CellReceiver {
  /** An inbound cell, whole; from now on it belongs to the receiver, which may change it in place. */
  cell(cell: Uint8Array): void
  /** The channel closed: the other side closed it or the connection dropped. Called at most once. */
  closed(): void
}

export interface CellChannel {
  /** Label of the peer at the other end (its peer id): what a hop's observations name. */
  readonly peer: string
  /** True on the side that opened the channel. */
  readonly initiator: boolean
  /**
   * Sends one whole cell; cells arrive in the order they were sent. The
   * channel owns `cell` from now on. A thrown error or a rejected promise
   * counts as the channel closing.
   */
  send(cell: Uint8Array): void | Promise<void>
  /** Closes the channel. The side that closes it is owed no `closed` call. */
  close(): void
  /** Where inbound cells and the close notification go; set once, by the mux that takes the channel. */
  setReceiver(receiver: CellReceiver): void
}

/** What a circuit registers on a mux under its circuit id. */
export interface CircuitEnd {
  /** A CREATED, RELAY or DESTROY cell of this circuit, its header checked. */
  receive(header: CellHeader, cell: Uint8Array): void
  /** A cell naming this circuit was malformed (already reported): end the circuit. */
  rejectCell(error: CircuitError): void
  /** The channel closed: the circuit is gone on this side. */
  channelClosed(): void
}

export interface CellMuxOptions {
  cellBytes: number
  /** Most circuits on this channel, both directions together. */
  maxCircuits: number
  /** Takes a CREATE for a new circuit id of the peer's half; a mux without it (a client's) refuses them. */
  onCreate?: (mux: CellMux, circuitId: number, cell: Uint8Array) => void
  /** Every bad cell seen on this channel, typed, with the peer that sent it. */
  onError: (error: CircuitError, peer: string) => void
  /** The channel closed (either way); every circuit on it has been told. */
  onClosed?: (mux: CellMux) => void
}

const TOP_BIT = 0x8000_0000
const MAX_LOCAL_ID = 0x7fff_ffff

export class CellMux {
  private readonly ends = new Map<number, CircuitEnd>()
  private nextId = 1
  private open = true

  constructor(
    readonly channel: CellChannel,
    private readonly options: CellMuxOptions,
  ) {
    channel.setReceiver({ cell: (cell) => this.receive(cell), closed: () => this.channelClosed() })
  }

  get isOpen(): boolean {
    return this.open
  }

  get circuitCount(): number {
    return this.ends.size
  }

  /** Registers `end` under a fresh circuit id of this side's half and returns the id. */
  allocate(end: CircuitEnd): number {
    this.checkCapacity()
    for (;;) {
      const candidate = this.nextId
      this.nextId = (this.nextId % MAX_LOCAL_ID) + 1
      const id = this.channel.initiator ? (candidate | TOP_BIT) >>> 0 : candidate
      if (!this.ends.has(id)) {
        this.ends.set(id, end)
        return id
      }
    }
  }

  /** Registers `end` under the peer's id from a CREATE this mux passed to `onCreate`. */
  register(circuitId: number, end: CircuitEnd): void {
    this.checkCapacity()
    this.ends.set(circuitId, end)
  }

  unregister(circuitId: number): void {
    this.ends.delete(circuitId)
  }

  send(cell: Uint8Array): void {
    if (!this.open) return
    try {
      const sent = this.channel.send(cell)
      if (sent) sent.catch(() => this.channelClosed())
    } catch {
      // Not from inside the caller's cell handling: the circuits are told on the next tick.
      void Promise.resolve().then(() => this.channelClosed())
    }
  }

  sendDestroy(circuitId: number, reason: DestroyReason): void {
    this.send(encodeDestroy(this.options.cellBytes, circuitId, reason))
  }

  /** Closes the channel and ends every circuit on it. */
  close(): void {
    if (!this.open) return
    this.channel.close()
    this.channelClosed()
  }

  /** One inbound cell. Never throws for bad input: it is reported, and the circuit it names (if any) ends. */
  receive(cell: Uint8Array): void {
    if (!this.open) return
    let header: CellHeader
    try {
      header = readCellHeader(cell, this.options.cellBytes)
    } catch (e) {
      if (!(e instanceof CircuitError)) throw e
      this.report(e)
      const id = peekCircuitId(cell)
      if (id !== undefined) this.ends.get(id)?.rejectCell(e)
      return
    }
    const end = this.ends.get(header.circuitId)
    if (header.command === 'create') {
      if (end) this.report(new CircuitError('circuit/bad-circuit-id', `CREATE for circuit ${header.circuitId}, which is in use`))
      else this.acceptCreate(header.circuitId, cell)
    } else if (end) end.receive(header, cell)
    else if (header.command !== 'destroy') {
      // A DESTROY may cross ours on the wire: only other cells for a closed circuit are errors.
      this.report(new CircuitError('circuit/unknown-circuit', `${header.command} cell for circuit ${header.circuitId}, not open here`))
      this.sendDestroy(header.circuitId, 'protocol')
    }
  }

  private acceptCreate(circuitId: number, cell: Uint8Array): void {
    if (!this.options.onCreate) {
      this.report(new CircuitError('circuit/unexpected-cell', 'CREATE sent to a peer that relays no circuits'))
      this.sendDestroy(circuitId, 'protocol')
    } else if ((circuitId >= TOP_BIT) === this.channel.initiator) {
      // An id of our own half may be in use by a circuit we built: no DESTROY for it.
      this.report(new CircuitError('circuit/bad-circuit-id', `CREATE with circuit id ${circuitId} of the receiver's half`))
    } else if (this.ends.size >= this.options.maxCircuits) {
      this.report(new CircuitError('circuit/too-many-circuits', `channel already carries ${this.ends.size} circuits`))
      this.sendDestroy(circuitId, 'resource-limit')
    } else this.options.onCreate(this, circuitId, cell)
  }

  private checkCapacity(): void {
    if (this.ends.size >= this.options.maxCircuits) {
      throw new CircuitError('circuit/too-many-circuits', `channel already carries ${this.ends.size} circuits`)
    }
  }

  private report(error: CircuitError): void {
    this.options.onError(error, this.channel.peer)
  }

  private channelClosed(): void {
    if (!this.open) return
    this.open = false
    const ends = [...this.ends.values()]
    this.ends.clear()
    for (const end of ends) end.channelClosed()
    this.options.onClosed?.(this)
  }
}
