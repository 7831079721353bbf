/** Event validation on a pool of real dedicated workers gives the same verdicts, in order, as validating in place. */
import { describe, expect, it } from 'vitest'
import {
  createEvent,
  createSigner,
  createWorld,
  decodeEvent,
  encodeEvent,
  originOf,
  recordFacts,
  sampleAttestationEvent,
  toHex,
  validateEventBytes,
} from '../../core/index.js'
import { packEvents, unpackEvents } from '../../workers/packed-events.js'
import { createValidationPoolSettings, ValidationPool, ValidationPoolSettingsError } from '../../workers/validation-pool.js'

async function batch(count: number) {
  const world = await createWorld('quiet harbor lantern')
  const signer = await createSigner(new Uint8Array(32).fill(7))
  const events: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const event = await sampleAttestationEvent(world.id, signer, i)
    if (i % 7 === 3 && event.body.type === 'attestation') {
      // Forged: a flipped signature bit under correctly recomputed ids.
      const signature = event.body.attestation.signature.slice()
      signature[5]! ^= 1
      events.push(encodeEvent(await createEvent({ type: 'attestation', attestation: { ...event.body.attestation, signature } })))
    } else if (i % 11 === 5) {
      const bytes = encodeEvent(event)
      bytes[0]! ^= 1 // a wrong event id
      events.push(bytes)
    } else events.push(encodeEvent(event))
  }
  return { world, events }
}

describe('ValidationPool', () => {
  it('returns in-place verdicts, in input order, for a batch split across two workers', async () => {
    const { world, events } = await batch(120)
    const pool = new ValidationPool({ workers: 2, minOffloadedBatch: 8 })
    try {
      const verdicts = await pool.validate(events, { world: world.id })
      const expected = await Promise.all(
        events.map(async (bytes) => {
          const r = await validateEventBytes(bytes, { world: world.id })
          return r.ok ? undefined : r.error.code
        }),
      )
      expect(verdicts.faults.map((v) => v?.code)).toEqual(expected)
      // Each valid record comes with its id and origin, as decoding it here would give them.
      for (const [i, bytes] of events.entries()) {
        if (expected[i] !== undefined) continue
        const event = decodeEvent(bytes)
        const facts = recordFacts(verdicts, i)
        expect([toHex(facts.id), toHex(facts.origin)]).toEqual([toHex(event.eventId), toHex(originOf(event))])
      }
      expect(expected.filter((c) => c !== undefined).length).toBeGreaterThan(20)
      expect(new Set(expected)).toEqual(new Set([undefined, 'bad-signature', 'event-id-mismatch']))
    } finally {
      pool.close()
    }
  })

  it('rejects events of another world and epochs out of range on the workers too', async () => {
    const { events } = await batch(40)
    const other = await createWorld('other quiet harbor')
    const pool = new ValidationPool({ workers: 1, minOffloadedBatch: 1 })
    try {
      expect(new Set((await pool.validate(events, { world: other.id })).faults.map((v) => v?.code))).toEqual(new Set(['wrong-world']))
    } finally {
      pool.close()
    }
  })

  it('packs events into one buffer and back unchanged', () => {
    const events = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array([9])]
    expect(unpackEvents(packEvents(events))).toEqual(events)
  })

  it('validates its settings with typed errors', () => {
    expect(() => createValidationPoolSettings({ workers: -1 })).toThrow(ValidationPoolSettingsError)
    expect(() => createValidationPoolSettings({ minOffloadedBatch: 0 })).toThrow(ValidationPoolSettingsError)
  })
})
