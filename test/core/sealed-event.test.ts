import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  CanonError,
  createEvent,
  signReceipt,
  concatBytes,
  ControlPlaneKeyring,
  createSigner,
  decodeSealedRecord,
  deriveSealKey,
  encode,
  encodeEvent,
  encodeSealedRecord,
  EventLog,
  isControlPlaneRecord,
  isDescriptorEvent,
  MAX_EVENT_BYTES,
  MAX_SEALED_EVENT_BYTES,
  MemoryEventStore,
  openSealedEvent,
  originOf,
  recordOrigin,
  decodeLogRecord,
  SEAL_PAD_BYTES,
  SealError,
  sealEvent,
  sealedEventCodec,
  toHex,
  utf8,
  validateRecordBytes,
  type Event,
  type SealedEvent,
  type SealKey,
  type Signer,
} from '../../core/index.js'
import { fixture, seed, type Fixture } from './fixtures.js'
import { errorCode, rejectionCode } from './helpers.js'

let f: Fixture
let key: SealKey
const masterKey = seed(0x3c)

beforeAll(async () => {
  f = await fixture()
  key = await deriveSealKey(masterKey, f.world.id, f.epochId)
})

const seal = (event: Event, signer: Signer = f.prober, with_: SealKey = key) => sealEvent(event, with_, signer)

/** A sealed record made by hand, for what an honest sealer never makes: any plaintext, any signer. */
async function handSealed(plaintext: Uint8Array, signer: Signer, with_: SealKey = key): Promise<Uint8Array> {
  const header = { world: with_.world, epochId: with_.epochId, sealId: with_.sealId, sealerTransportPubkey: signer.publicKey }
  const nonce = new Uint8Array(24).fill(9)
  // The AAD: canon(world, epoch, seal id, sealer key), written out here as docs/protocol.md states it.
  const headerBytes = concatBytes(with_.world, varint(with_.epochId), with_.sealId, varint(BigInt(signer.publicKey.length)), signer.publicKey)
  const ciphertext = xchacha20poly1305(with_.key, nonce, headerBytes).encrypt(plaintext)
  const unsigned = { ...header, nonce, ciphertext }
  const unsignedBytes = encode(sealedEventCodec, { ...unsigned, signature: new Uint8Array(0) }).slice(0, -1)
  const signature = await signer.sign(concatBytes(utf8('sealed-sig'), unsignedBytes))
  return encodeSealedRecord({ ...unsigned, signature })
}

function varint(n: bigint): Uint8Array {
  const out: number[] = []
  for (let v = n; ; v >>= 7n) {
    if (v < 0x80n) return new Uint8Array([...out, Number(v)])
    out.push(Number(v & 0x7fn) | 0x80)
  }
}

function padded(event: Uint8Array, extra = 0): Uint8Array {
  const length = Math.ceil((event.length + 4) / SEAL_PAD_BYTES) * SEAL_PAD_BYTES
  const out = new Uint8Array(length)
  new DataView(out.buffer).setUint32(0, event.length, true)
  out.set(event, 4)
  if (extra) out[out.length - 1] = extra
  return out
}

describe('sealed control-plane records', () => {
  it('round-trip: anyone validates the record, only the control plane opens it, to the very event', async () => {
    for (const type of ['receipt', 'attestation', 'dispute', 'linkHint'] as const) {
      const record = await seal(f.events[type])
      const checked = await validateRecordBytes(record, { world: f.world.id, epochs: { min: f.epochId, max: f.epochId } })
      expect(checked.ok).toBe(true)
      const opened = await openSealedEvent(decodeSealedRecord(record), key)
      expect(toHex(encodeEvent(opened))).toBe(toHex(encodeEvent(f.events[type])))
      expect(isControlPlaneRecord(record)).toBe(true)
      expect(isDescriptorEvent(record)).toBe(false)
    }
  })

  it('hides what it holds: no TargetRef or metric bytes in the record, and receipts and attestations seal to one size', async () => {
    const receipt = await seal(f.events.receipt)
    const attestation = await seal(f.events.attestation)
    expect(receipt.length).toBe(attestation.length)
    for (const record of [receipt, attestation]) {
      expect(toHex(record)).not.toContain(toHex(f.receipt.targetRef))
      expect(toHex(record)).not.toContain(toHex(f.receipt.challengeId))
    }
    // Fresh nonces: the same event sealed twice gives unrelated records.
    expect(toHex(await seal(f.events.receipt))).not.toBe(toHex(receipt))
  })

  it('goes into the sealer’s origin slot of a log that cannot open it, and duplicates are counted, not stored twice', async () => {
    const log = new EventLog(f.world.id, new MemoryEventStore())
    const record = await seal(f.events.attestation)
    const entry = await log.authorRecord(record)
    expect(toHex(entry.replicaId)).toBe(toHex(originOf(f.events.attestation)))
    expect(toHex(recordOrigin(decodeLogRecord(record)))).toBe(toHex(entry.replicaId))
    const other = new EventLog(f.world.id, new MemoryEventStore())
    expect((await other.ingest([entry])).added).toHaveLength(1)
    const again = await other.ingest([entry])
    expect(again.added).toHaveLength(0)
    expect(again.duplicates).toBe(1)
    // The record under another origin, or another record in its taken slot, is refused.
    const fresh = new EventLog(f.world.id, new MemoryEventStore())
    expect((await fresh.ingest([{ ...entry, replicaId: seed(1) }])).rejected[0]?.code).toBe('wrong-origin')
    const second = await seal(f.events.receipt)
    expect((await other.ingest([{ ...entry, event: second }])).rejected[0]?.code).toBe('seq-conflict')
  })

  it('refuses forged, tampered, foreign and oversized records with typed reasons', async () => {
    const record = await seal(f.events.attestation)
    const flipped = record.slice()
    flipped[record.length - 100]! ^= 1
    expect(await code(flipped)).toBe('bad-signature')
    expect(await code(record, { world: seed(9) })).toBe('wrong-world')
    expect(await code(record, { epochs: { min: f.epochId + 1n, max: f.epochId + 2n } })).toBe('epoch-out-of-range')
    expect(await code(concatBytes(record, new Uint8Array([0])))).toBe('malformed')
    expect(await code(record.subarray(0, record.length - 3))).toBe('malformed')
    expect(await code(new Uint8Array(MAX_EVENT_BYTES + 1))).toBe('too-large')
    // A record re-signed by someone else: its signature checks, but the key is bound into the AEAD, so it does not open.
    const thief = await createSigner(seed(0x44))
    const sealed = decodeSealedRecord(record)
    const { signature: _, ...unsigned } = sealed
    const stolen: SealedEvent = { ...unsigned, sealerTransportPubkey: thief.publicKey, signature: await thief.sign(concatBytes(utf8('sealed-sig'), encode(sealedEventCodec, { ...unsigned, sealerTransportPubkey: thief.publicKey, signature: new Uint8Array(0) }).slice(0, -1))) }
    const stolenBytes = encodeSealedRecord(stolen)
    expect(await code(stolenBytes)).toBe('ok')
    expect(await openCode(stolenBytes)).toBe('undecryptable')
    expect(await rejectionCode(() => seal(f.events.attestation, f.provider), SealError)).toBe('sealer-mismatch')
  })

  it('opens only with its own control plane’s key of its epoch', async () => {
    const record = decodeSealedRecord(await seal(f.events.receipt))
    expect(await rejectionCode(() => openSealedEvent(record, key), SealError)).toBe('ok')
    expect(await rejectionCode(async () => openSealedEvent(record, await deriveSealKey(seed(0x3d), f.world.id, f.epochId)), SealError)).toBe('unknown-seal')
    expect(await rejectionCode(async () => openSealedEvent(record, await deriveSealKey(masterKey, f.world.id, f.epochId + 1n)), SealError)).toBe('unknown-seal')
    // A member who forges the seal id still cannot decrypt without the key.
    const impostor = { ...(await deriveSealKey(seed(0x3d), f.world.id, f.epochId)), sealId: key.sealId }
    expect(await rejectionCode(() => openSealedEvent(record, impostor), SealError)).toBe('undecryptable')
  })

  it('a member who seals what an honest sealer never would is caught on opening', async () => {
    const event = encodeEvent(f.events.receipt)
    // Someone else's evidence sealed as one's own.
    expect(await openCode(await handSealed(padded(event), f.provider))).toBe('sealer-mismatch')
    // Padding that is not zeros, or not padded at all.
    expect(await openCode(await handSealed(padded(event, 7), f.prober))).toBe('bad-padding')
    expect(await openCode(await handSealed(concatBytes(padded(event), new Uint8Array(3)), f.prober))).toBe('bad-padding')
    // Garbage inside, and an event of another epoch than its record.
    expect(await openCode(await handSealed(padded(new Uint8Array(40).fill(1)), f.prober))).toBe('bad-inner-event')
    const otherEpochKey = await deriveSealKey(masterKey, f.world.id, f.epochId + 1n)
    expect(await openCode(await handSealed(padded(event), f.prober, otherEpochKey), otherEpochKey)).toBe('header-mismatch')
    // The honest path, made the same way, opens: the hand-made records differ only where said.
    expect(await openCode(await handSealed(padded(event), f.prober))).toBe('ok')
  })

  it('refuses to seal an event too large to stay within a record', async () => {
    // A receipt whose ticket bytes make its encoding just over what a record can seal.
    const { receiptId: _, signature: __, proberTransportPubkey: ___, ...fields } = f.receipt
    const ticket = { ticketBytes: new Uint8Array(MAX_SEALED_EVENT_BYTES - encodeEvent(f.events.receipt).length), paramsN: 8192, paramsR: 8, paramsP: 1 }
    const big = await createEvent({ type: 'receipt', receipt: await signReceipt({ ...fields, ticket }, f.prober) })
    expect(encodeEvent(big).length).toBeGreaterThan(MAX_SEALED_EVENT_BYTES)
    expect(await rejectionCode(() => sealEvent(big, key, f.prober), SealError)).toBe('too-large')
  })

  it('property: mutated records and arbitrary bytes after the magic get typed refusals, never a throw', async () => {
    const record = await seal(f.events.attestation)
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: record.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const mutated = record.slice()
        mutated[at]! ^= xor
        const checked = await validateRecordBytes(mutated, { world: f.world.id })
        if (checked.ok && checked.record.kind === 'sealed') expect(await openCode(mutated)).not.toBe('ok')
        else expect(checked.ok).toBe(false)
      }),
      { numRuns: 150 },
    )
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 700 }), async (tail) => {
        const checked = await validateRecordBytes(concatBytes(utf8('sealed/1'), tail), { world: f.world.id })
        expect(checked.ok).toBe(false)
      }),
      { numRuns: 200 },
    )
  })
})

describe('ControlPlaneKeyring', () => {
  it('holds sealed records until it has a key, opens them then, and skips other control planes’', async () => {
    const ring = new ControlPlaneKeyring(f.world.id, 2)
    const records = [await seal(f.events.receipt), await seal(f.events.attestation), await seal(f.events.dispute)]
    for (const record of records) expect(await ring.read(record)).toEqual({ kind: 'held' })
    expect(await rejectionCode(() => ring.seal(f.events.receipt, f.prober), SealError)).toBe('unknown-seal')
    // Only the newest two were kept.
    const held = ring.join(masterKey)
    expect(held.map(toHex)).toEqual(records.slice(1).map(toHex))
    const opened = await Promise.all(held.map((r) => ring.read(r)))
    expect(opened.map((r) => (r.kind === 'event' ? r.event.eventType : r.kind))).toEqual(['attestation', 'dispute'])
    // Plain events pass through; another plane's records are foreign; this plane's broken ones are refused.
    expect(await ring.read(encodeEvent(f.events.descriptorPublish))).toMatchObject({ kind: 'event', event: { eventType: 'descriptorPublish' } })
    const other = new ControlPlaneKeyring(f.world.id)
    other.join(seed(0x3d))
    expect(await ring.read(await other.seal(f.events.receipt, f.prober))).toEqual({ kind: 'foreign' })
    expect(await rejectionCode(async () => ring.read(await handSealed(padded(encodeEvent(f.events.receipt), 1), f.prober)), SealError)).toBe('bad-padding')
    expect(errorCode(() => ring.join(new Uint8Array(31)), SealError)).toBe('bad-key')
  })
})

describe('sealed record decoder', () => {
  const sealedRecord = fc.record({
    world: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    epochId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    sealId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    nonce: fc.uint8Array({ minLength: 24, maxLength: 24 }),
    ciphertext: fc.uint8Array({ maxLength: 600 }),
    sealerTransportPubkey: fc.uint8Array({ maxLength: 40 }),
    signature: fc.uint8Array({ maxLength: 70 }),
  })

  it('property: decode(encode(x)) is x, and encode(decode(b)) is b for whatever decodes', () => {
    fc.assert(
      fc.property(sealedRecord, (sealed) => {
        const bytes = encodeSealedRecord(sealed)
        expect(encodeSealedRecord(decodeSealedRecord(bytes))).toEqual(bytes)
      }),
    )
  })

  it('property: arbitrary bytes, with or without the magic, decode or get a CanonError, never another throw', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), (magic, tail) => {
        const bytes = magic ? concatBytes(utf8('sealed/1'), tail) : tail
        expect(errorCode(() => decodeSealedRecord(bytes), CanonError)).toMatch(/^(ok|[a-z-]+)$/)
      }),
    )
  })
})

async function code(record: Uint8Array, options: Parameters<typeof validateRecordBytes>[1] = {}): Promise<string> {
  const result = await validateRecordBytes(record, options)
  return result.ok ? 'ok' : result.error.code
}

async function openCode(record: Uint8Array, with_: SealKey = key): Promise<string> {
  return rejectionCode(() => openSealedEvent(decodeSealedRecord(record), with_), SealError)
}
