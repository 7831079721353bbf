/**
 * Length-prefixed frames for the peer protocols (gossip and delta sync):
 * `varint(length) || version (u8) || kind (u8) || payload`. Sizes are
 * checked before anything is buffered, so a hostile length costs nothing.
 */
import { Writer } from './canonical.js'
import { TerrainError } from './errors.js'

export const FRAME_VERSION = 1
/** Largest frame body (version + kind + payload). */
export const MAX_FRAME_BYTES = 1 << 20

export const FRAME_KINDS = { gossip: 1, syncRequest: 2, syncBatch: 3 } as const
export type FrameKind = keyof typeof FRAME_KINDS
const KIND_BY_CODE = new Map(Object.entries(FRAME_KINDS).map(([k, v]) => [v as number, k as FrameKind]))

export type FrameErrorCode = 'frame-too-large' | 'frame-empty' | 'unknown-version' | 'unknown-kind' | 'bad-length' | 'truncated-frame'

export class FrameError extends TerrainError {
  declare readonly code: FrameErrorCode
}

export interface Frame {
  kind: FrameKind
  payload: Uint8Array
  /** The whole frame as received (prefix included), to pass on without re-encoding. */
  bytes: Uint8Array
}

export function encodeFrame(kind: FrameKind, payload: Uint8Array): Uint8Array {
  const bodyLength = payload.length + 2
  if (bodyLength > MAX_FRAME_BYTES) throw new FrameError('frame-too-large', `frame of ${bodyLength} bytes exceeds ${MAX_FRAME_BYTES}`)
  const w = new Writer(bodyLength + 4)
  w.varint(bodyLength)
  w.byte(FRAME_VERSION)
  w.byte(FRAME_KINDS[kind])
  w.bytes(payload)
  return w.finish()
}

function parseBody(body: Uint8Array): Omit<Frame, 'bytes'> {
  if (body[0] !== FRAME_VERSION) throw new FrameError('unknown-version', `frame version ${body[0]}, this peer speaks ${FRAME_VERSION}`)
  const kind = KIND_BY_CODE.get(body[1]!)
  if (!kind) throw new FrameError('unknown-kind', `unknown frame kind ${body[1]}`)
  return { kind, payload: body.subarray(2) }
}

/**
 * Incremental decoder for a byte stream: push chunks, take whole frames.
 * After a `FrameError` the stream is out of sync and must be closed.
 */
export class FrameDecoder {
  /** Received bytes not yet returned as frames, as chunks: joined only once a whole frame is in. */
  private chunks: Uint8Array[] = []
  private buffered = 0
  /** Length of the frame being received (prefix + body), once its prefix is known. */
  private needed: number | undefined

  push(chunk: Uint8Array): Frame[] {
    if (chunk.length === 0) return []
    this.chunks.push(chunk)
    this.buffered += chunk.length
    const frames: Frame[] = []
    for (;;) {
      if (this.needed === undefined) {
        if (this.buffered === 0) break
        // The prefix is at most 4 bytes: joining the first few chunks is cheap.
        const header = readLength(this.head(4), 0)
        if (!header) break
        this.needed = header[1] + header[0]
      }
      if (this.buffered < this.needed) break
      const bytes = this.take(this.needed)
      const [length, bodyStart] = readLength(bytes, 0)!
      frames.push({ ...parseBody(bytes.subarray(bodyStart, bodyStart + length)), bytes })
      this.needed = undefined
    }
    return frames
  }

  /** Bytes of an incomplete frame still held (a stream ending with some is truncated). */
  get pending(): number {
    return this.buffered
  }

  /** Up to `n` leading bytes, without consuming them. */
  private head(n: number): Uint8Array {
    const first = this.chunks[0]!
    if (first.length >= n || this.chunks.length === 1) return first.subarray(0, n)
    const out = new Uint8Array(Math.min(n, this.buffered))
    let at = 0
    for (const c of this.chunks) {
      if (at >= out.length) break
      const part = c.subarray(0, out.length - at)
      out.set(part, at)
      at += part.length
    }
    return out
  }

  /** Remove and return exactly `n` leading bytes. */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n)
    let at = 0
    while (at < n) {
      const c = this.chunks[0]!
      const part = c.subarray(0, n - at)
      out.set(part, at)
      at += part.length
      if (part.length === c.length) this.chunks.shift()
      else this.chunks[0] = c.subarray(part.length)
    }
    this.buffered -= n
    return out
  }
}

/** The frame length at `at`, validated, and where its body starts; undefined if more bytes are needed. */
function readLength(buf: Uint8Array, at: number): [number, number] | undefined {
  let value = 0
  for (let i = 0; i < 4; i++) {
    if (at + i >= buf.length) return undefined
    const b = buf[at + i]!
    value += (b & 0x7f) * 2 ** (7 * i)
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw new FrameError('bad-length', 'over-long frame length')
      if (value < 2) throw new FrameError('frame-empty', 'a frame carries at least a version and a kind')
      if (value > MAX_FRAME_BYTES) throw new FrameError('frame-too-large', `frame of ${value} bytes exceeds ${MAX_FRAME_BYTES}`)
      return [value, at + i + 1]
    }
  }
  throw new FrameError('frame-too-large', `frame length prefix longer than 4 bytes`)
}

/** Decode exactly one frame from a complete message (e.g. a pubsub payload), without copying it. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const notOne = () => new FrameError('truncated-frame', 'message is not exactly one frame')
  const header = readLength(bytes, 0)
  if (!header) throw notOne()
  const [length, bodyStart] = header
  const end = bodyStart + length
  if (end > bytes.length) throw notOne()
  // The first frame's own faults (version, kind) are named before any surplus is.
  const frame = { ...parseBody(bytes.subarray(bodyStart, end)), bytes }
  if (end !== bytes.length) throw notOne()
  return frame
}
