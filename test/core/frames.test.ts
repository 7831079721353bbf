import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CanonError,
  decodeFrame,
  decodeLogEntry,
  decodeSyncBatch,
  decodeSyncRequest,
  encodeFrame,
  encodeLogEntry,
  encodeSyncBatch,
  encodeSyncRequest,
  FrameDecoder,
  FrameError,
  MAX_FRAME_BYTES,
  compareBytes,
} from '../../core/index.js'

const logEntry = fc.record({
  replicaId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  seq: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  event: fc.uint8Array({ maxLength: 64 }),
})
const vectorEntry = fc.record({
  replicaId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  counter: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
})
type VectorEntry = typeof vectorEntry extends fc.Arbitrary<infer T> ? T : never
const byReplica = (a: VectorEntry, b: VectorEntry) => compareBytes(a.replicaId, b.replicaId)
const syncRequest = fc.record({
  world: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  vector: fc
    .uniqueArray(vectorEntry, { maxLength: 5, comparator: (a: VectorEntry, b: VectorEntry) => byReplica(a, b) === 0 })
    .map((v) => v.sort(byReplica)),
  maxEntries: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
})
const syncBatch = fc.record({ entries: fc.array(logEntry, { maxLength: 4 }), done: fc.boolean() })

function onlyTyped(run: () => unknown): void {
  try {
    run()
  } catch (e) {
    if (!(e instanceof CanonError || e instanceof FrameError)) throw e
  }
}

describe('frames', () => {
  it('round-trip through a decoder fed in arbitrary chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (payloads, cuts) => {
        const stream = new Uint8Array(payloads.flatMap((p) => [...encodeFrame('gossip', p)]))
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
        const decoder = new FrameDecoder()
        const frames = [0, ...points, stream.length].slice(1).flatMap((end, i, all) => decoder.push(stream.slice(i === 0 ? 0 : all[i - 1], end)))
        expect(frames.map((f) => f.payload)).toEqual(payloads)
        expect(decoder.pending).toBe(0)
      }),
    )
  })

  it('reassemble a large frame fed one byte at a time', () => {
    const payload = new Uint8Array(65_536).map((_, i) => i & 0xff)
    const stream = encodeFrame('syncBatch', payload)
    const decoder = new FrameDecoder()
    const frames = []
    for (let i = 0; i < stream.length; i++) frames.push(...decoder.push(stream.subarray(i, i + 1)))
    expect(frames).toHaveLength(1)
    expect(frames[0]!.payload).toEqual(payload)
    expect(frames[0]!.bytes).toEqual(stream) // the frame as received, for handing on without re-encoding
    expect(decoder.pending).toBe(0)
  })

  it('reject oversized lengths before buffering, unknown versions and kinds, empty and over-long prefixes', () => {
    const code = (bytes: number[]) => {
      try {
        new FrameDecoder().push(new Uint8Array(bytes))
        return 'ok'
      } catch (e) {
        return (e as FrameError).code
      }
    }
    expect(code([0x81, 0x80, 0x80, 0x01])).toBe('frame-too-large') // 2 MiB + 1 declared, nothing sent
    expect(code([0xff, 0xff, 0xff, 0xff, 0x0f])).toBe('frame-too-large')
    expect(code([3, 2, 1, 0])).toBe('unknown-version')
    expect(code([3, 1, 9, 0])).toBe('unknown-kind')
    expect(code([1, 1])).toBe('frame-empty')
    expect(code([0x82, 0x00, 1, 1])).toBe('bad-length')
    expect(() => encodeFrame('gossip', new Uint8Array(MAX_FRAME_BYTES))).toThrow(FrameError)
    expect(() => decodeFrame(encodeFrame('gossip', new Uint8Array(3)).slice(0, -1))).toThrow(FrameError)
  })

  it('random bytes never throw anything but FrameError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => onlyTyped(() => new FrameDecoder().push(b))), { numRuns: 500 })
  })
})

describe.each([
  ['LogEntry', logEntry, encodeLogEntry, decodeLogEntry],
  ['SyncRequest', syncRequest, encodeSyncRequest, decodeSyncRequest],
  ['SyncBatch', syncBatch, encodeSyncBatch, decodeSyncBatch],
] as const)('%s payload decoder', (_, arbitrary, encode, decode) => {
  it('round-trips', () => {
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<never>, (v) => {
        const bytes = (encode as (x: never) => Uint8Array)(v)
        expect((decode as (b: Uint8Array) => unknown)(bytes)).toEqual(v)
      }),
    )
  })

  it('random and mutated bytes never throw anything but CanonError', () => {
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<never>, fc.uint8Array({ maxLength: 64 }), fc.nat(), (v, junk, at) => {
        onlyTyped(() => decode(junk))
        const bytes = (encode as (x: never) => Uint8Array)(v)
        const mutated = bytes.slice()
        if (mutated.length) mutated[at % mutated.length]! ^= 0x5a
        onlyTyped(() => decode(mutated))
        onlyTyped(() => decode(bytes.slice(0, at % (bytes.length + 1))))
      }),
      { numRuns: 300 },
    )
  })
})
