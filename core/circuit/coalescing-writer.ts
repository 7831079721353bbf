/**
 * Fewer, fuller cells for a stream of small writes (a streamed answer's
 * tokens). Every cell costs each hop a decryption, a re-encryption and a
 * transport write, and shows its timing to anyone watching a link; one
 * token a cell pays both for every token. The first write after a quiet
 * spell leaves at once, so a first token is never held back; writes within
 * `intervalMs` of the last flush wait for the interval to end and leave
 * together. An interval of 0 writes through. What waits are items, packed
 * into bytes only when they leave, so a packer can merge them (an answer's
 * tokens into one message).
 */
import { CircuitError } from './errors.js'
import type { Scheduler } from './scheduler.js'
import type { CircuitStream } from './stream.js'

/** The bytes for items that leave together, in order. */
export type ItemPacker<T> = (items: readonly T[]) => Uint8Array

export class CoalescingWriter<T> {
  private pending: T[] = []
  private lastFlush = Number.NEGATIVE_INFINITY
  private cancelTimer: (() => void) | undefined
  private failure: unknown

  constructor(
    private readonly stream: CircuitStream,
    private readonly scheduler: Scheduler,
    private readonly intervalMs: number,
    private readonly pack: ItemPacker<T>,
  ) {
    if (!(intervalMs >= 0 && intervalMs <= 1000)) throw new CircuitError('circuit/invalid-setting', `a coalescing interval must be in [0, 1000] ms, not ${intervalMs}`, 'intervalMs')
  }

  /** True once a write to the stream failed (its circuit is gone); later writes throw that error. */
  get failed(): boolean {
    return this.failure !== undefined
  }

  /** Adds `item` to go out with the next write or flush, without sending anything now. */
  hold(item: T): void {
    if (this.failure !== undefined) throw this.failure
    this.pending.push(item)
  }

  /** Sends `item` (with anything held) now if the stream was quiet for an interval, else at the interval's end. */
  write(item: T): void {
    this.hold(item)
    const wait = this.lastFlush + this.intervalMs - this.scheduler.now()
    if (wait <= 0) return this.flush()
    this.cancelTimer ??= this.scheduler.schedule(wait, () => this.flushQuietly())
  }

  /** Sends `item`, after anything held, now: for the last write of a stream. */
  writeNow(item: T): void {
    this.hold(item)
    this.flush()
  }

  /** Sends everything held now. Throws when the stream cannot take it. */
  flush(): void {
    this.cancelTimer?.()
    this.cancelTimer = undefined
    if (this.failure !== undefined) throw this.failure
    this.lastFlush = this.scheduler.now()
    if (this.pending.length === 0) return
    const items = this.pending
    this.pending = []
    try {
      this.stream.write(this.pack(items))
    } catch (e) {
      this.failure = e
      throw e
    }
  }

  /** A timer's flush has no caller to throw to: the failure is kept for the next write. */
  private flushQuietly(): void {
    this.cancelTimer = undefined
    try {
      this.flush()
    } catch {
      // Kept in `failure`.
    }
  }
}
