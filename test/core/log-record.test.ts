/** Log records' origins: the per-batch shortcut agrees with the derivation it skips. */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { batchOrigins, blake3Ready, createSigner, decodeLogRecord, encodeEvent, recordOrigin, sampleAttestationEvent, type LogRecord } from '../../core/index.js'
import { seed } from './fixtures.js'

let records: LogRecord[]
beforeAll(async () => {
  await blake3Ready()
  const signers = [await createSigner(seed(1)), await createSigner(seed(2))]
  const worlds = [seed(0xa0), seed(0xb0)]
  records = []
  // Every combination of two authors, two worlds and two epochs, two records each.
  for (const signer of signers) for (const world of worlds) for (const epoch of [1n, 2n]) for (const n of [0, 1]) {
    records.push(decodeLogRecord(encodeEvent(await sampleAttestationEvent(world, signer, n, epoch))))
  }
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
