/**
 * Beliefs are local: no message a peer sends carries a score, a rank or a
 * belief. Every event type, sealed record, sync message and inference message is encoded,
 * decoded, and walked for field names that look like one. Two fields of
 * PROTOCOL.md carry "score" in their names and are measurements, not
 * standings: an attestation's `metrics.robustnessScore` (what one prober
 * measured) and a link hint's `compatibilityScore` (how alike two
 * TargetRefs behave). They are the only exceptions.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSigner, decodeEvent, decodeSealedRecord, deriveSealKey, openSealedEvent, sampleAttestationEvent, sealEvent, decodeSyncBatch, decodeSyncRequest, encodeEvent, encodeInferenceMessage, encodeSyncBatch, encodeSyncRequest, InferenceMessageReader } from '../../core/index.js'
import { compareBytes, toHex } from '../../core/bytes.js'
import { bytes32, event, versionVectorEntry } from './arbitraries.js'
import { oneOfEachInferenceMessage } from './fixtures.js'

const SCORE_LIKE = /score|rank|belief|trust|leader|reputation|rating|^mu$|^sigma$|quality/i
const MEASURED_METRICS = new Set(['metrics.robustnessScore', 'linkHint.compatibilityScore'])

function scoreLikeFields(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return []
  return Object.entries(value).flatMap(([key, inner]) => {
    const here = path === '' ? key : `${path}.${key}`
    const own = SCORE_LIKE.test(key) && ![...MEASURED_METRICS].some((m) => here.endsWith(m)) ? [here] : []
    return [...own, ...scoreLikeFields(inner, Array.isArray(value) ? path : here)]
  })
}

describe('no score, rank or belief on the wire', () => {
  it('finds the pattern when it is there (the scan can fail)', () => {
    expect(scoreLikeFields({ body: { providerRank: 1 } })).toEqual(['body.providerRank'])
    expect(scoreLikeFields({ metrics: { robustnessScore: 0.5 } })).toEqual([])
  })

  it('in any event of any type, as decoded from its bytes', () => {
    fc.assert(
      fc.property(event, (e) => {
        expect(scoreLikeFields(decodeEvent(encodeEvent(e)))).toEqual([])
      }),
      { numRuns: 300 },
    )
  })

  it('in sync requests and batches', () => {
    fc.assert(
      fc.property(bytes32, fc.uniqueArray(versionVectorEntry, { maxLength: 4, selector: (v) => toHex(v.replicaId) }), (world, entries) => {
        const vector = [...entries].sort((a, b) => compareBytes(a.replicaId, b.replicaId))
        expect(scoreLikeFields(decodeSyncRequest(encodeSyncRequest({ world, vector, maxEntries: 16 })))).toEqual([])
        expect(scoreLikeFields(decodeSyncBatch(encodeSyncBatch({ entries: [], done: true })))).toEqual([])
      }),
    )
  })

  it('in a sealed control-plane record, outside and in (what a member opens is an event, scanned above)', async () => {
    const world = new Uint8Array(32).fill(4)
    const signer = await createSigner(new Uint8Array(32).fill(5))
    const event = await sampleAttestationEvent(world, signer, 3)
    const key = await deriveSealKey(new Uint8Array(32).fill(6), world, 1n)
    const sealed = decodeSealedRecord(await sealEvent(event, key, signer))
    expect(scoreLikeFields(sealed)).toEqual([])
    expect(scoreLikeFields(await openSealedEvent(sealed, key))).toEqual([])
  })

  it('in every inference message', () => {
    const reader = new InferenceMessageReader()
    const decoded = oneOfEachInferenceMessage.flatMap((m) => reader.push(encodeInferenceMessage(m)))
    expect(decoded).toHaveLength(oneOfEachInferenceMessage.length)
    for (const m of decoded) expect(scoreLikeFields(m)).toEqual([])
  })
})
