/**
 * The acceptance suite every `EventStore` implementation runs (memory,
 * IndexedDB, the relay's database): call it from a test file with a factory.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MemoryEventStore,
  deriveSealKey,
  encodeEvent,
  sealEvent,
  toHex,
  type EventStore,
  type StoredEntry,
} from '../../core/index.js'
import { indexSamples } from './sample-records.js'

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
      const { world, descriptor, attestation, endorsement, signer } = await indexSamples()
      const descriptorBytes = encodeEvent(descriptor)
      const attestationBytes = encodeEvent(attestation)
      const endorsementBytes = encodeEvent(endorsement)
      const sealedBytes = await sealEvent(attestation, await deriveSealKey(fill(5), world.id, attestation.epochId), signer)
      const at = (seq: bigint, id: number, event: Uint8Array): StoredEntry => ({ replicaId: fill(3), seq, eventId: fill(id), event })
      await store.append([entry(1, 1n, 10), at(1n, 20, descriptorBytes), at(2n, 21, sealedBytes), at(3n, 22, attestationBytes), at(4n, 23, endorsementBytes), entry(1, 2n, 12)])
      const seen: Uint8Array[] = []
      await store.controlPlaneRecords((record) => seen.push(record))
      expect(seen.map(toHex).sort()).toEqual([descriptorBytes, sealedBytes, attestationBytes].map(toHex).sort())
    })

    it('fills holes between stored stretches of an origin, skipping the slots already filled', async () => {
      const store = await create()
      await store.append([1n, 2n, 3n, 6n, 7n, 8n].map((seq) => entry(1, seq, Number(seq))))
      expect((await store.versionVector())[0]!.counter).toBe(3n)
      const added = await store.append([2n, 3n, 4n, 5n, 6n, 7n].map((seq) => entry(1, seq, 40 + Number(seq))))
      expect(added.map((e) => e.seq)).toEqual([4n, 5n])
      expect((await store.versionVector())[0]!.counter).toBe(8n)
      expect(await store.slot(fill(1), 2n)).toEqual(fill(2))
      expect(await store.slot(fill(1), 5n)).toEqual(fill(45))
      expect((await store.entriesAfter(fill(1), 2n, 4)).map((e) => [e.seq, e.eventId[0]])).toEqual([[3n, 3], [4n, 44], [5n, 45], [6n, 6]])
    })

    it('skips an event offered again under another slot, and stores the rest of its batch', async () => {
      const store = await create()
      await store.append([entry(1, 1n, 10), entry(1, 2n, 11)])
      const added = await store.append([entry(1, 3n, 12), entry(1, 4n, 10), entry(1, 5n, 13)])
      expect(added.map((e) => e.seq)).toEqual([3n, 5n])
      expect(await store.slot(fill(1), 4n)).toBeUndefined()
      expect(await store.count()).toBe(4)
      expect((await store.versionVector())[0]!.counter).toBe(3n)
    })

    it('stores and lists a batch of large events in order', async () => {
      const store = await create()
      const big = Array.from({ length: 12 }, (_, i): StoredEntry => ({ replicaId: fill(4), seq: BigInt(i + 1), eventId: fill(100 + i), event: new Uint8Array(16_000 + i).fill(i) }))
      expect(await store.append(big)).toHaveLength(12)
      const listed = await store.entriesAfter(fill(4), 0n, 100)
      expect(listed.map((e) => [e.seq, e.event.length, e.event[0]])).toEqual(big.map((e) => [e.seq, e.event.length, e.event[0]]))
      expect((await store.entriesAfter(fill(4), 7n, 2)).map((e) => e.seq)).toEqual([8n, 9n])
      expect(await store.count()).toBe(12)
    })

    it('answers like the in-memory reference after any sequence of appends (property)', async () => {
      const entryArb = fc.record({ origin: fc.integer({ min: 1, max: 3 }), seq: fc.bigInt({ min: 1n, max: 12n }), id: fc.integer({ min: 1, max: 30 }), size: fc.integer({ min: 1, max: 40 }) })
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(entryArb, { maxLength: 14 }), { minLength: 1, maxLength: 5 }), async (batches) => {
          const store = await create()
          const reference = new MemoryEventStore()
          for (const batch of batches) {
            const entries = batch.map(({ origin, seq, id, size }): StoredEntry => ({ replicaId: fill(origin), seq, eventId: fill(id), event: new Uint8Array(size).fill(id) }))
            const [got, want] = await Promise.all([store.append(entries), reference.append(entries)])
            expect(got.map((e) => [e.replicaId[0], e.seq, e.eventId[0]])).toEqual(want.map((e) => [e.replicaId[0], e.seq, e.eventId[0]]))
          }
          expect(await store.versionVector()).toEqual(await reference.versionVector())
          expect(await store.count()).toBe(await reference.count())
          const probes = [1, 2, 3].flatMap((origin) => Array.from({ length: 13 }, (_, seq) => ({ replicaId: fill(origin), seq: BigInt(seq + 1), eventId: fill(seq + 1) })))
          expect(await store.lookup(probes)).toEqual(await reference.lookup(probes))
          for (const origin of [1, 2, 3]) {
            for (const [after, limit] of [[0n, 100], [3n, 4], [7n, 1]] as const) {
              const listing = (entries: StoredEntry[]) => entries.map((e) => [e.seq, e.eventId[0], [...e.event]])
              expect(listing(await store.entriesAfter(fill(origin), after, limit))).toEqual(listing(await reference.entriesAfter(fill(origin), after, limit)))
            }
          }
        }),
        { numRuns: 25 },
      )
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
