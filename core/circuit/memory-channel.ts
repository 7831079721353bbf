/**
 * Two `CellChannel` ends joined in memory, for tests, benchmarks and the
 * simulator. Delivery is asynchronous (a microtask per cell) and ordered,
 * like a stream: a handler never runs inside the `send` that caused it.
 */
import type { CellChannel, CellReceiver } from './channel.js'

/** Sees every cell a link carries, as sent, with the labels of both ends. */
export type CellTap = (from: string, to: string, cell: Uint8Array) => void

class MemoryEnd implements CellChannel {
  receiver: CellReceiver | undefined
  /** The other end of the link. */
  other!: MemoryEnd

  constructor(
    /** This end's own label. */
    readonly self: string,
    readonly peer: string,
    readonly initiator: boolean,
    private readonly carry: (from: MemoryEnd, cell: Uint8Array) => void,
    private readonly shut: (told: MemoryEnd[]) => void,
  ) {}

  send(cell: Uint8Array): void {
    this.carry(this, cell)
  }

  close(): void {
    this.shut([this.other])
  }

  setReceiver(receiver: CellReceiver): void {
    this.receiver = receiver
  }
}

/** A link between `initiatorPeer` (end `a`, which opened it) and `responderPeer` (end `b`). */
export class MemoryLink {
  readonly a: CellChannel
  readonly b: CellChannel
  private open = true
  private dropping = false

  constructor(initiatorPeer: string, responderPeer: string, tap?: CellTap) {
    const carry = (from: MemoryEnd, cell: Uint8Array) => {
      if (!this.open || this.dropping) return
      tap?.(from.self, from.peer, cell.slice())
      void Promise.resolve().then(() => from.other.receiver?.cell(cell))
    }
    const shut = (told: MemoryEnd[]) => this.shut(told)
    const a = new MemoryEnd(initiatorPeer, responderPeer, true, carry, shut)
    const b = new MemoryEnd(responderPeer, initiatorPeer, false, carry, shut)
    a.other = b
    b.other = a
    this.a = a
    this.b = b
  }

  /** From now on every cell is lost, and nobody is told: a peer that vanished without closing. */
  blackhole(): void {
    this.dropping = true
  }

  /** Drops the connection: both ends are told it closed. */
  sever(): void {
    this.shut([this.a as MemoryEnd, this.b as MemoryEnd])
  }

  /** Closes the link; `told` get their close notification after the cells already under way. */
  private shut(told: MemoryEnd[]): void {
    if (!this.open) return
    this.open = false
    for (const end of told) void Promise.resolve().then(() => end.receiver?.closed())
  }
}
