/**
 * Application streams on a circuit: a byte stream per stream id between
 * the client and the hop it opened the stream at (the exit). Each side ends
 * its own writing with an END without reason (a half-close, as a request
 * followed by its streamed answer needs); an END with a reason aborts both
 * directions. Flow control is the channel's: writes are not held back.
 */
import { CircuitError } from './errors.js'

/** One stream, at the client or at the exit. */
export interface CircuitStream extends AsyncIterable<Uint8Array> {
  readonly id: number
  /**
   * Sends `bytes`, split into as many cells as it takes, in order. Throws
   * `circuit/stream-closed` after `end` or `abort`, or the error that ended
   * the stream or its circuit.
   */
  write(bytes: Uint8Array): void
  /** Ends this side's writing; the other side reads what was sent, then its iteration ends. */
  end(): void
  /** Ends both directions now; the other side's iteration fails with `circuit/stream-reset` and `reason`. */
  abort(reason?: string): void
}

/** How a stream reaches its circuit. */
export interface StreamSink {
  /** Most bytes of one DATA cell. */
  readonly maxData: number
  sendData(streamId: number, data: Uint8Array): void
  /** An END; `reason` is empty for a half-close. */
  sendEnd(streamId: number, reason: string): void
  /** Both directions are over: the circuit forgets the stream. */
  release(streamId: number): void
}

/** Received chunks waiting for the reader; iteration ends at `finish` and throws after `fail`, once the chunks are read. */
class Inbox implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = []
  private finished = false
  private error: CircuitError | undefined
  private wake: (() => void) | undefined

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk)
    this.notify()
  }

  finish(): void {
    this.finished = true
    this.notify()
  }

  /** Ignored once finished: what was read in full stays read in full. */
  fail(error: CircuitError): void {
    if (this.finished) return
    this.error = error
    this.notify()
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = this.chunks.shift()
      if (chunk) yield chunk
      else if (this.error) throw this.error
      else if (this.finished) return
      else await new Promise<void>((resolve) => (this.wake = resolve))
    }
  }

  private notify(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}

/** A stream as its circuit holds it: the public interface plus what the circuit feeds it. */
export class StreamEnd implements CircuitStream {
  private writable = true
  private readable = true
  private failure: CircuitError | undefined
  private readonly inbox = new Inbox()

  constructor(
    readonly id: number,
    private readonly sink: StreamSink,
  ) {}

  write(bytes: Uint8Array): void {
    if (this.failure) throw this.failure
    if (!this.writable) throw new CircuitError('circuit/stream-closed', `stream ${this.id} is closed for writing`)
    for (let at = 0; at < bytes.length; at += this.sink.maxData) {
      this.sink.sendData(this.id, bytes.subarray(at, at + this.sink.maxData))
    }
  }

  end(): void {
    if (!this.writable || this.failure) return
    this.writable = false
    this.sink.sendEnd(this.id, '')
    if (!this.readable) this.sink.release(this.id)
  }

  abort(reason = 'aborted'): void {
    if (this.failure || (!this.writable && !this.readable)) return
    this.sink.sendEnd(this.id, reason || 'aborted') // an empty reason would read as a half-close
    this.writable = false
    this.readable = false
    this.inbox.finish()
    this.sink.release(this.id)
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.inbox[Symbol.asyncIterator]()
  }

  /** DATA from the other end (copied: the cell it came in is reused). */
  receiveData(data: Uint8Array): void {
    if (this.readable) this.inbox.push(data.slice())
  }

  /** END from the other end: a half-close without reason, an abort with one. */
  receiveEnd(reason: string): void {
    if (reason === '') {
      if (!this.readable) return
      this.readable = false
      this.inbox.finish()
      if (!this.writable) this.sink.release(this.id)
      return
    }
    this.fail(new CircuitError('circuit/stream-reset', `stream ${this.id} reset by the other end: ${reason}`, reason))
    this.sink.release(this.id)
  }

  /** The stream ends with `error` (its circuit died, or it was reset); the circuit forgets it itself. */
  fail(error: CircuitError): void {
    if (this.failure) return
    this.failure = error
    this.writable = false
    this.readable = false
    this.inbox.fail(error)
  }
}
