/** Log records' origins: the per-batch shortcut agrees with the derivation it skips, and batch verdicts carry both. */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  batchOrigins,
  blake3Ready,
  createSigner,
  decodeLogRecord,
  encodeEvent,
  RECORD_FACTS_BYTES,
  recordFacts,
  recordOrigin,
  sampleAttestationEvent,
  toHex,
  validateRecordsBytes,
  type LogRecord,
} from '../../core/index.js'
import { seed } from './fixtures.js'

let records: LogRecord[]
let encoded: Uint8Array[]
beforeAll(async () => {
  await blake3Ready()
  const signers = [await createSigner(seed(1)), await createSigner(seed(2))]
  const worlds = [seed(0xa0), seed(0xb0)]
  encoded = []
  // Every combination of two authors, two worlds and two epochs, two records each.
  for (const signer of signers) for (const world of worlds) for (const epoch of [1n, 2n]) for (const n of [0, 1]) {
    encoded.push(encodeEvent(await sampleAttestationEvent(world, signer, n, epoch)))
  }
  records = encoded.map(decodeLogRecord)
})

describe('batchOrigins', () => {
  it('property: gives every record of a batch, in any order, the origin recordOrigin derives', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 40 }), (picks) => {
        const originOf = batchOrigins()
        for (const i of picks) expect(originOf(records[i]!)).toEqual(recordOrigin(records[i]!))
      }),
    )
  })

  it('tells apart records that differ only in author, world or epoch', () => {
    const originOf = batchOrigins()
    const origins = records.filter((_, i) => i % 2 === 0).map(originOf)
    expect(new Set(origins.map((o) => o.join()))).toHaveProperty('size', 8)
  })
})

describe('validateRecordsBytes', () => {
  it('gives each valid record its id and origin, in order, and zeros with a typed fault for the rest', async () => {
    const tampered = encoded[3]!.slice()
    tampered[tampered.length - 1]! ^= 1
    const batch = [...encoded.slice(0, 3), tampered, new Uint8Array([1, 2, 3]), encoded[5]!]
    const verdicts = await validateRecordsBytes(batch)
    expect(verdicts.facts.length).toBe(batch.length * RECORD_FACTS_BYTES)
    expect(verdicts.faults.map((f) => f?.code)).toEqual([undefined, undefined, undefined, 'event-id-mismatch', 'malformed', undefined])
    for (const i of [0, 1, 2, 5]) {
      const record = decodeLogRecord(batch[i]!)
      const facts = recordFacts(verdicts, i)
      expect([toHex(facts.id), toHex(facts.origin)]).toEqual([toHex(record.id), toHex(recordOrigin(record))])
    }
    for (const i of [3, 4]) expect(recordFacts(verdicts, i).id.every((b) => b === 0)).toBe(true)
  })
})

