/**
 * Frames to and from peers over the libp2p stream protocol
 * `/terrain/sync/1.0.0`: the `FrameTransport` the Replica's delta sync uses.
 *
 * A sync stream is a long-lived, two-way pipe of frames. Each peer has one
 * stream we write to (its *link*): the last one it opened to us, or else one
 * we open on an existing connection when we first have something to send. So
 * the batches answering a request go back on the stream the request came in
 * on, and a later request reuses it. Every stream is read, whoever opened
 * it, and every frame read is handed to the Replica with the sender's peer
 * id. `send` never blocks or throws: frames to one peer are written in order
 * with backpressure, and dropped (anti-entropy heals) when the peer has no
 * connection or its queue is full. A frame error means the stream is out of
 * step: it is counted, charged to the peer and the stream is aborted.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { FrameDecoder, FrameError } from '../core/index.js'

export const SYNC_PROTOCOL = '/terrain/sync/1.0.0'

export interface SyncStreamsLimits {
  /** Sync streams one peer may have open at once, per connection and direction. */
  maxStreamsPerPeer: number
  /** Bytes of frames waiting to be written to one peer before new frames are dropped. */
  maxQueuedBytesPerPeer: number
  /** How long opening a stream or waiting for a slow reader may take, in ms. */
  timeoutMs: number
}

export const defaultSyncStreamsLimits: Readonly<SyncStreamsLimits> = Object.freeze({
  maxStreamsPerPeer: 4,
  maxQueuedBytesPerPeer: 16 << 20,
  timeoutMs: 10_000,
})

export interface SyncStreamsHandlers {
  /** A whole frame from `peer`. */
  frame(peer: string, bytes: Uint8Array): Promise<void>
  /** A frame error on a stream from `peer`; the stream is then aborted. */
  frameError(peer: string, error: FrameError): void
}

interface Link {
  /** The stream frames to this peer are written to, if one is open. */
  stream: Stream | undefined
  /** Writes in order: each waits for the previous one. */
  writing: Promise<void>
  queuedBytes: number
}

export class SyncStreams {
  readonly stats = { streamsIn: 0, streamsOut: 0, framesDropped: 0 }
  private readonly links = new Map<string, Link>()
  private readonly forget = (event: CustomEvent<PeerId>) => this.links.delete(event.detail.toString())

  constructor(
    private readonly node: Libp2p,
    private readonly handlers: SyncStreamsHandlers,
    private readonly limits: SyncStreamsLimits = defaultSyncStreamsLimits,
  ) {}

  async start(): Promise<void> {
    await this.node.handle(SYNC_PROTOCOL, (stream, connection) => this.accept(connection.remotePeer.toString(), stream), {
      maxInboundStreams: this.limits.maxStreamsPerPeer,
      maxOutboundStreams: this.limits.maxStreamsPerPeer,
    })
    this.node.addEventListener('peer:disconnect', this.forget)
  }

  async stop(): Promise<void> {
    this.node.removeEventListener('peer:disconnect', this.forget)
    await this.node.unhandle(SYNC_PROTOCOL)
    this.links.clear()
  }

  /** Queue a frame for `peer`. */
  send(peer: string, frame: Uint8Array): void {
    if (!this.links.has(peer) && this.connectionTo(peer) === undefined) {
      this.stats.framesDropped++ // gone already: keep no state for it
      return
    }
    const link = this.link(peer)
    if (link.queuedBytes + frame.length > this.limits.maxQueuedBytesPerPeer) {
      this.stats.framesDropped++
      return
    }
    link.queuedBytes += frame.length
    link.writing = link.writing.then(() => this.write(peer, link, frame))
  }

  private link(peer: string): Link {
    let link = this.links.get(peer)
    if (!link) {
      link = { stream: undefined, writing: Promise.resolve(), queuedBytes: 0 }
      this.links.set(peer, link)
    }
    return link
  }

  private async write(peer: string, link: Link, frame: Uint8Array): Promise<void> {
    try {
      const stream = await this.streamTo(peer, link)
      if (!stream) {
        this.stats.framesDropped++
        return
      }
      if (!stream.send(frame)) await stream.onDrain({ signal: AbortSignal.timeout(this.limits.timeoutMs) })
    } catch {
      // Stream reset, peer gone or too slow: the frame is lost; the next sync round asks again.
      this.stats.framesDropped++
    } finally {
      link.queuedBytes -= frame.length
    }
  }

  /** The link's stream, or a new one on an open, unlimited connection; undefined when there is none. */
  private async streamTo(peer: string, link: Link): Promise<Stream | undefined> {
    if (link.stream?.writeStatus === 'writable') return link.stream
    const connection = this.connectionTo(peer)
    if (!connection) return undefined
    const stream = await connection.newStream(SYNC_PROTOCOL, { signal: AbortSignal.timeout(this.limits.timeoutMs) })
    this.stats.streamsOut++
    this.adopt(peer, stream)
    return stream
  }

  /** An open connection to `peer` without relay limits (sync may move much data). */
  private connectionTo(peer: string): Connection | undefined {
    return this.node.getConnections(peerIdFromString(peer)).find((c) => c.status === 'open' && c.limits === undefined)
  }

  private accept(peer: string, stream: Stream): void {
    this.stats.streamsIn++
    this.adopt(peer, stream)
  }

  private adopt(peer: string, stream: Stream): void {
    this.link(peer).stream = stream
    void this.read(peer, stream)
  }

  private async read(peer: string, stream: Stream): Promise<void> {
    const decoder = new FrameDecoder()
    try {
      for await (const chunk of stream) {
        for (const frame of decoder.push(chunk.subarray())) {
          await this.handlers.frame(peer, frame.bytes)
        }
      }
      if (decoder.pending > 0) throw new FrameError('truncated-frame', `stream ended inside a frame (${decoder.pending} bytes)`)
      // The peer has finished writing: finish our queued frames, then close our side.
      await this.links.get(peer)?.writing
      await stream.close({ signal: AbortSignal.timeout(this.limits.timeoutMs) })
    } catch (e) {
      if (e instanceof FrameError) this.handlers.frameError(peer, e)
      stream.abort(e instanceof Error ? e : new Error(String(e)))
    } finally {
      const link = this.links.get(peer)
      if (link?.stream === stream) link.stream = undefined
    }
  }
}
