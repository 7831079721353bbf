/**
 * Length-prefixed frames for the peer protocols (gossip and delta sync):
 * `varint(length) || version (u8) || kind (u8) || payload`. Sizes are
 * checked before anything is buffered, so a hostile length costs nothing.
 */
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
}

function varint(n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return out
}

export function encodeFrame(kind: FrameKind, payload: Uint8Array): Uint8Array {
  const bodyLength = payload.length + 2
  if (bodyLength > MAX_FRAME_BYTES) throw new FrameError('frame-too-large', `frame of ${bodyLength} bytes exceeds ${MAX_FRAME_BYTES}`)
  const prefix = varint(bodyLength)
  const out = new Uint8Array(prefix.length + bodyLength)
  out.set(prefix, 0)
  out[prefix.length] = FRAME_VERSION
  out[prefix.length + 1] = FRAME_KINDS[kind]
  out.set(payload, prefix.length + 2)
  return out
}

function parseBody(body: Uint8Array): Frame {
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
  private buffer = new Uint8Array(0)

  push(chunk: Uint8Array): Frame[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length)
    joined.set(this.buffer)
    joined.set(chunk, this.buffer.length)
    const frames: Frame[] = []
    let at = 0
    for (;;) {
      const header = readLength(joined, at)
      if (!header) break
      const [length, bodyStart] = header
      if (bodyStart + length > joined.length) break
      frames.push(parseBody(joined.slice(bodyStart, bodyStart + length)))
      at = bodyStart + length
    }
    this.buffer = joined.slice(at)
    return frames
  }

  /** Bytes of an incomplete frame still held (a stream ending with some is truncated). */
  get pending(): number {
    return this.buffer.length
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

/** Decode exactly one frame from a complete message (e.g. a pubsub payload). */
export function decodeFrame(bytes: Uint8Array): Frame {
  const decoder = new FrameDecoder()
  const frames = decoder.push(bytes)
  if (frames.length !== 1 || decoder.pending !== 0) throw new FrameError('truncated-frame', 'message is not exactly one frame')
  return frames[0]!
}
