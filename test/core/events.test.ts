import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createEvent,
  createSigner,
  deriveEventId,
  encodeEvent,
  EventValidationError,
  MAX_EVENT_BYTES,
  nobleEd25519,
  signAttestation,
  signDispute,
  signReceipt,
  type EventBody,
  validateEvent,
  validateEventBytes,
  type Event,
  type EventRejection,
} from '../../core/index.js'
import * as arb from './arbitraries.js'
import { fixture, seed, type Fixture } from './fixtures.js'

let f: Fixture
beforeAll(async () => {
  f = await fixture()
})

const types = ['receipt', 'attestation', 'dispute', 'linkHint', 'ruleEndorsement', 'descriptorPublish'] as const

async function rejection(input: Uint8Array | Event, options = {}): Promise<EventRejection> {
  const result = input instanceof Uint8Array ? await validateEventBytes(input, options) : await validateEvent(input, options)
  if (result.ok) throw new Error('expected a rejection')
  expect(result.error).toBeInstanceOf(EventValidationError)
  return result.error.code
}

/** Re-derive the event id so a test reaches the check behind it. */
async function resealed(event: Event): Promise<Event> {
  const { eventId: _, ...rest } = event
  return { ...rest, eventId: await deriveEventId(rest) }
}

describe('event validation', () => {
  it.each(types)('accepts a valid %s event, from bytes and decoded, with either backend', async (type) => {
    const event = f.events[type]
    for (const result of [
      await validateEventBytes(encodeEvent(event)),
      await validateEvent(event),
      await validateEventBytes(encodeEvent(event), { ed25519: nobleEd25519 }),
    ]) {
      expect(result.ok).toBe(true)
    }
  })

  it('accepts events of another backend: noble-signed fixtures verify with WebCrypto and back', async () => {
    const nobleFixture = await fixture(nobleEd25519)
    for (const type of types) expect(encodeEvent(nobleFixture.events[type])).toEqual(encodeEvent(f.events[type]))
  })

  it.each(types)('rejects a %s event whose bytes were tampered with anywhere', async (type) => {
    const bytes = encodeEvent(f.events[type])
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length * 8 - 1 }), async (bit) => {
        const tampered = bytes.slice()
        tampered[bit >> 3]! ^= 1 << (bit & 7)
        const result = await validateEventBytes(tampered)
        expect(result.ok).toBe(false)
      }),
      { numRuns: 60 },
    )
  })

  it('accepts freshly signed bodies of any epoch and content', async () => {
    await fc.assert(
      fc.asyncProperty(arb.behaviorAttestation, arb.disputeEvent, arb.probeReceipt, async (a, d, r) => {
        const bodies: EventBody[] = [
          { type: 'attestation', attestation: await signAttestation(a, f.prober) },
          { type: 'dispute', dispute: await signDispute(d, f.prober) },
          { type: 'receipt', receipt: await signReceipt(r, f.prober) },
        ]
        for (const body of bodies) {
          const bytes = encodeEvent(await createEvent(body))
          const result = await validateEventBytes(bytes)
          expect(result.ok).toBe(true)
        }
      }),
      { numRuns: 60 },
    )
  })

  it('rejects a forged event id', async () => {
    expect(await rejection({ ...f.events.receipt, eventId: seed(9) })).toBe('event-id-mismatch')
  })

  it('rejects a body whose signature is by another key (forged signer)', async () => {
    const mallory = await createSigner(seed(0xee))
    const r = f.receipt
    const forged = await createEvent({ type: 'receipt', receipt: { ...r, signature: (await mallory.sign(new Uint8Array([1]))) } })
    expect(await rejection(forged)).toBe('bad-signature')
  })

  it('rejects a replayed signature on changed content (id recomputed, signature kept)', async () => {
    const a = f.attestation
    const honest = await signAttestation({ ...a, metrics: { ...a.metrics, successRate: 0.1 } }, f.prober)
    const spliced = { ...honest, signature: a.signature }
    expect(await rejection(await createEvent({ type: 'attestation', attestation: spliced }))).toBe('bad-signature')
  })

  it('rejects a body id that is not the hash of the body', async () => {
    const r = f.receipt
    expect(await rejection(await createEvent({ type: 'receipt', receipt: { ...r, receiptId: seed(1) } }))).toBe(
      'body-id-mismatch',
    )
    const p = { world: f.world.id, epochId: f.epochId, descriptor: f.descriptor }
    const badDescriptor = { ...p, descriptor: { ...p.descriptor, descriptorId: seed(1) } }
    expect(await rejection(await createEvent({ type: 'descriptorPublish', descriptorPublish: badDescriptor }))).toBe(
      'body-id-mismatch',
    )
  })

  it('rejects wrong-length signer keys as bad-key', async () => {
    const d = f.dispute
    const event = await createEvent({ type: 'dispute', dispute: { ...d, disputerTransportPubkey: new Uint8Array(33) } })
    expect(await rejection(event)).toBe('bad-key')
  })

  it('rejects a type that disagrees with the body, and types with no body', async () => {
    expect(await rejection(await resealed({ ...f.events.receipt, eventType: 'attestation' }))).toBe('type-body-mismatch')
    for (const eventType of ['unspecified', 'shard', 'verdict', 'trainingManifest'] as const) {
      expect(await rejection(await resealed({ ...f.events.receipt, eventType }))).toBe('unsupported-event-type')
    }
  })

  it('rejects world and epoch disagreement between event and body, and descriptor and publication', async () => {
    expect(await rejection(await resealed({ ...f.events.dispute, world: seed(0x42) }))).toBe('world-mismatch')
    expect(await rejection(await resealed({ ...f.events.dispute, epochId: 8n }))).toBe('epoch-mismatch')
    const p = { world: f.world.id, epochId: f.epochId, descriptor: f.descriptor }
    const nextEpoch = await createEvent({ type: 'descriptorPublish', descriptorPublish: { ...p, epochId: 8n } })
    expect(await rejection(nextEpoch)).toBe('epoch-mismatch')
    const otherWorld = await createEvent({ type: 'descriptorPublish', descriptorPublish: { ...p, world: seed(0x42) } })
    expect(await rejection(otherWorld)).toBe('world-mismatch')
  })

  it('rejects events of another world or outside the accepted epochs (mis-targeted or stale replays)', async () => {
    const bytes = encodeEvent(f.events.linkHint)
    expect(await rejection(bytes, { world: seed(0x42) })).toBe('wrong-world')
    expect(await rejection(bytes, { epochs: { min: 8n, max: 9n } })).toBe('epoch-out-of-range')
    expect((await validateEventBytes(bytes, { world: f.world.id, epochs: { min: 6n, max: 8n } })).ok).toBe(true)
  })

  it('rejects malformed and oversized input with a typed reason, never a throw', async () => {
    const bytes = encodeEvent(f.events.attestation)
    expect(await rejection(bytes.slice(0, -1))).toBe('malformed')
    expect(await rejection(new Uint8Array([...bytes, 0]))).toBe('malformed')
    expect(await rejection(new Uint8Array(MAX_EVENT_BYTES + 1))).toBe('too-large')
    const huge = await createEvent({ type: 'dispute', dispute: { ...f.dispute, reason: 'x'.repeat(MAX_EVENT_BYTES) } })
    expect(await rejection(huge)).toBe('too-large')
    expect((await validateEventBytes('not bytes' as unknown as Uint8Array)).ok).toBe(false)
    expect(await rejection({ eventId: seed(1) } as unknown as Event)).toBe('malformed')
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (junk) => {
        expect((await validateEventBytes(junk)).ok).toBe(false)
      }),
      { numRuns: 200 },
    )
  })

  it('a decoded event with a non-canonical value is rejected as malformed, not thrown', async () => {
    const bad = await resealed(f.events.ruleEndorsement)
    bad.body = { type: 'ruleEndorsement', ruleEndorsement: { ...f.ruleEndorsement, weight: Number.NaN } }
    expect(await rejection(bad)).toBe('malformed')
  })
})
