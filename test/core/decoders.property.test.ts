/**
 * Properties every decoder must hold: round trip both ways, and arbitrary or
 * mutated bytes either decode to a value that re-encodes to the same bytes or
 * raise a CanonError — never anything else.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CanonError, codecs, decode, encode, encodeEvent, evidenceEpochId, type Codec, type StructName } from '../../core/index.js'
import { arbitraries } from './arbitraries.js'

const RUNS = 300

function decodeOrCanonError(codec: Codec<unknown>, input: Uint8Array): void {
  try {
    const value = decode(codec, input)
    expect(encode(codec, value)).toEqual(input)
  } catch (e) {
    if (!(e instanceof CanonError)) throw e
  }
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
)

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never

function mutate(input: Uint8Array, m: Mutation): Uint8Array {
  const at = 'at' in m && input.length > 0 ? m.at % input.length : 0
  switch (m.kind) {
    case 'flip': {
      const out = input.slice()
      if (out.length) out[at] = out[at]! ^ (1 << m.bit)
      return out
    }
    case 'truncate':
      return input.slice(0, at)
    case 'append':
      return new Uint8Array([...input, ...m.extra])
    default:
      return new Uint8Array([...input.slice(0, at), ...m.extra, ...input.slice(at)])
  }
}

describe.each(Object.keys(codecs) as StructName[])('%s decoder', (name) => {
  const codec = codecs[name] as Codec<unknown>
  const arbitrary = arbitraries[name] as fc.Arbitrary<unknown>

  it('round-trips: decode(encode(x)) = x and encode(decode(b)) = b', () => {
    fc.assert(
      fc.property(arbitrary, (value) => {
        const bytes = encode(codec, value)
        const back = decode(codec, bytes)
        expect(back).toEqual(value)
        expect(encode(codec, back)).toEqual(bytes)
      }),
      { numRuns: RUNS },
    )
  })

  it('random bytes never throw anything but CanonError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (input) => decodeOrCanonError(codec, input)),
      { numRuns: RUNS },
    )
  })

  it('mutated encodings never throw anything but CanonError', () => {
    fc.assert(
      fc.property(arbitrary, mutation, (value, m) => decodeOrCanonError(codec, mutate(encode(codec, value), m))),
      { numRuns: RUNS },
    )
  })

  it('any strict prefix of an encoding is rejected as truncated', () => {
    fc.assert(
      fc.property(arbitrary, fc.nat(), (value, cut) => {
        const bytes = encode(codec, value)
        const prefix = bytes.slice(0, cut % bytes.length)
        expect(() => decode(codec, prefix)).toThrow(expect.objectContaining({ code: 'truncated' }))
      }),
      { numRuns: RUNS },
    )
  })
})

describe('event header readers', () => {
  it('evidenceEpochId reads the epoch of exactly the receipts and attestations, and never throws', () => {
    fc.assert(
      fc.property(arbitraries.Event, mutation, (event, m) => {
        const bytes = encodeEvent(event)
        // The header's type, which validation holds equal to the body's.
        const evidence = event.eventType === 'receipt' || event.eventType === 'attestation'
        expect(evidenceEpochId(bytes)).toBe(evidence ? event.epochId : undefined)
        const read = evidenceEpochId(mutate(bytes, m))
        expect(read === undefined || typeof read === 'bigint').toBe(true)
      }),
      { numRuns: RUNS },
    )
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (input) => void evidenceEpochId(input)), { numRuns: RUNS })
  })
})
