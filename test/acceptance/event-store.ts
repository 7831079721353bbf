/**
 * The acceptance suite every `EventStore` implementation runs (memory,
 * IndexedDB, the relay's database): call it from a test file with a factory.
 */
import { describe, expect, it } from 'vitest'
import {
  createEvent,
  createSigner,
  deriveSealKey,
  encodeEvent,
  sampleAttestationEvent,
  sealEvent,
  signDescriptor,
  signRuleEndorsement,
  toHex,
  type EventStore,
  type StoredEntry,
} from '../../core/index.js'

const fill = (b: number) => new Uint8Array(32).fill(b)
const entry = (origin: number, seq: bigint, id: number): StoredEntry => ({
  replicaId: fill(origin),
  seq,
  eventId: fill(id),
  event: new Uint8Array([origin, Number(seq), id]),
})

export function eventStoreAcceptance(name: string, create: () => Promise<EventStore>): void {
  describe(`EventStore acceptance: ${name}`, () => {
    it('appends, reports membership and counts', async () => {
      const store = await create()
      const added = await store.append([entry(1, 1n, 10), entry(1, 2n, 11)])
      expect(added).toHaveLength(2)
      expect(await store.has(fill(10))).toBe(true)
      expect(await store.has(fill(12))).toBe(false)
      expect(await store.count()).toBe(2)
    })

    it('skips events already stored and slots already taken, in one batch and across batches', async () => {
      const store = await create()
      await store.append([entry(1, 1n, 10)])
      const added = await store.append([entry(1, 1n, 10), entry(1, 1n, 99), entry(2, 1n, 10), entry(1, 2n, 11), entry(1, 2n, 11)])
      expect(added.map((e) => e.eventId[0])).toEqual([11])
      expect(await store.count()).toBe(2)
      expect(await store.slot(fill(1), 1n)).toEqual(fill(10))
    })

    it('looks up a batch of slots and events in one call', async () => {
      const store = await create()
      await store.append([entry(1, 1n, 10)])
      const found = await store.lookup([
        { eventId: fill(10), replicaId: fill(1), seq: 1n },
        { eventId: fill(11), replicaId: fill(1), seq: 1n },
        { eventId: fill(12), replicaId: fill(1), seq: 2n },
      ])
      expect(found).toEqual([
        { stored: true, slotHolder: fill(10) },
        { stored: false, slotHolder: fill(10) },
        { stored: false, slotHolder: undefined },
      ])
      expect(await store.lookup([])).toEqual([])
    })

    it('keeps contiguous counters per origin: a hole stops the counter until filled', async () => {
      const store = await create()
      await store.append([entry(2, 1n, 20), entry(2, 3n, 22), entry(1, 1n, 10)])
      expect(await store.versionVector()).toEqual([
        { replicaId: fill(1), counter: 1n },
        { replicaId: fill(2), counter: 1n },
      ])
      await store.append([entry(2, 2n, 21)])
      expect((await store.versionVector())[1]).toEqual({ replicaId: fill(2), counter: 3n })
    })

    it('lists entries after a seq in order, bounded', async () => {
      const store = await create()
      await store.append([entry(1, 3n, 12), entry(1, 1n, 10), entry(1, 2n, 11), entry(1, 4n, 13)])
      const after = await store.entriesAfter(fill(1), 1n, 2)
      expect(after.map((e) => e.seq)).toEqual([2n, 3n])
      expect(after.map((e) => [...e.eventId])).toEqual([[...fill(11)], [...fill(12)]])
      expect(after.map((e) => [...e.replicaId])).toEqual([[...fill(1)], [...fill(1)]])
      expect(after[0]!.event).toEqual(new Uint8Array([1, 2, 11]))
      expect(await store.entriesAfter(fill(9), 0n, 10)).toEqual([])
    })

    it('lists its control-plane records (descriptors, sealed records, plain evidence), and only those', async () => {
      const store = await create()
      const world = fill(9)
      const signer = await createSigner(fill(7))
      const descriptor = await signDescriptor({ world, descriptorEpoch: 1n, contactPoints: ['/p2p/provider'], capability: { type: 'fah', fah: fill(8) } }, signer)
      const descriptorBytes = encodeEvent(await createEvent({ type: 'descriptorPublish', descriptorPublish: { world, epochId: 1n, descriptor } }))
      const attestation = await sampleAttestationEvent(world, signer, 1)
      const attestationBytes = encodeEvent(attestation)
      const sealedBytes = await sealEvent(attestation, await deriveSealKey(fill(5), world, 1n), signer)
      const endorsement = await signRuleEndorsement({ world, epochId: 1n, ruleBundleHash: fill(4), weight: 1 }, signer)
      const endorsementBytes = encodeEvent(await createEvent({ type: 'ruleEndorsement', ruleEndorsement: endorsement }))
      const at = (seq: bigint, id: number, event: Uint8Array): StoredEntry => ({ replicaId: fill(3), seq, eventId: fill(id), event })
      await store.append([entry(1, 1n, 10), at(1n, 20, descriptorBytes), at(2n, 21, sealedBytes), at(3n, 22, attestationBytes), at(4n, 23, endorsementBytes), entry(1, 2n, 12)])
      const seen: Uint8Array[] = []
      await store.controlPlaneRecords((record) => seen.push(record))
      expect(seen.map(toHex).sort()).toEqual([descriptorBytes, sealedBytes, attestationBytes].map(toHex).sort())
    })

    it('keeps its own copy of the bytes it is given', async () => {
      const store = await create()
      const e = entry(1, 1n, 10)
      await store.append([e])
      e.event[0] = 0xff
      expect((await store.entriesAfter(fill(1), 0n, 1))[0]!.event[0]).toBe(1)
    })
  })
}
