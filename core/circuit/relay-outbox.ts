/**
 * Relay messages a circuit end sends in one turn of the event loop leave
 * packed into as few cells as hold them. A request's BEGIN, DATA and END
 * take one cell on every link instead of three, and an answer's last DATA
 * and its END one instead of two: every cell costs each hop a receive, a
 * keystream or AEAD pass and a send, so fewer cells leave hops more CPU.
 */
import { relayMessageBytes, relayPlaintextBytes, type RelayMessage } from './relay-message.js'

/** Seals `messages`, in order, into one cell for `destination` and sends it. */
export type SealCell = (destination: number, messages: readonly RelayMessage[]) => void

export class RelayOutbox {
  private queued: { destination: number; message: RelayMessage }[] = []
  private readonly room: number

  constructor(
    cellBytes: number,
    private readonly seal: SealCell,
  ) {
    this.room = relayPlaintextBytes(cellBytes)
  }

  /** Queues `message` for `destination` (a hop number at the client; 0 at a hop, whose messages all go back to the client). */
  push(destination: number, message: RelayMessage): void {
    this.queued.push({ destination, message })
    // Runs after the code that queued this message and whatever it queues next in the same turn.
    if (this.queued.length === 1) void Promise.resolve().then(() => this.flush())
  }

  /** Sends what is queued now: runs of messages for one destination, packed in order while they fit. */
  flush(): void {
    const queued = this.queued
    this.queued = []
    let cell: RelayMessage[] = []
    let destination = 0
    let bytes = 0
    for (const item of queued) {
      const size = relayMessageBytes(item.message)
      if (cell.length > 0 && (item.destination !== destination || bytes + size > this.room)) {
        this.seal(destination, cell)
        cell = []
        bytes = 0
      }
      cell.push(item.message)
      destination = item.destination
      bytes += size
    }
    if (cell.length > 0) this.seal(destination, cell)
  }

  /** Drops what is queued: the circuit ended where nothing more can be sent. */
  clear(): void {
    this.queued = []
  }
}
