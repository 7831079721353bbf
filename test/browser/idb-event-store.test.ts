import { openDB } from 'idb'
import { describe, expect, it } from 'vitest'
import { be64, concatBytes, createSigner, createWorld, decodeEvent, descriptorEvent, EventLog, MemoryEventStore, sampleAttestationEvent, toHex } from '../../core/index.js'
import { IndexedDbEventStore } from '../../workers/idb-event-store.js'
import { eventStoreAcceptance } from '../acceptance/event-store.js'

let n = 0
eventStoreAcceptance('IndexedDbEventStore (real IndexedDB in Chromium)', () =>
  IndexedDbEventStore.open(`terrain-acceptance-${Date.now()}-${n++}`),
)

describe('IndexedDbEventStore schema upgrade', () => {
  it('migrates a version-1 database (every entry field stored) in place, losing nothing', async () => {
    const name = `terrain-v1-${Date.now()}`
    const world = await createWorld('quiet harbor lantern')
    const signer = await createSigner(new Uint8Array(32).fill(5))
    const log = new EventLog(world.id, new MemoryEventStore())
    const entries = []
    for (let i = 0; i < 5; i++) entries.push(await log.author(await sampleAttestationEvent(world.id, signer, i)))
    const originals = await log.store.entriesAfter(entries[0]!.replicaId, 0n, 10)
    // The version-1 layout, written as the old code did.
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('events').createIndex('slot', 'slot', { unique: true })
        db.createObjectStore('counters')
      },
    })
    const asKey = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>
    for (const e of originals) await v1.add('events', { ...e, slot: concatBytes(e.replicaId, be64(e.seq)) }, asKey(e.eventId))
    await v1.put('counters', 5n, asKey(originals[0]!.replicaId))
    v1.close()

    const store = await IndexedDbEventStore.open(name)
    expect(await store.count()).toBe(5)
    expect(await store.versionVector()).toEqual([{ replicaId: originals[0]!.replicaId, counter: 5n }])
    const migrated = await store.entriesAfter(originals[0]!.replicaId, 0n, 10)
    expect(migrated.map((e) => [toHex(e.replicaId), e.seq, toHex(e.eventId), toHex(e.event)])).toEqual(
      originals.map((e) => [toHex(e.replicaId), e.seq, toHex(e.eventId), toHex(e.event)]),
    )
    const next = await log.author(await sampleAttestationEvent(world.id, signer, 99))
    const [stored] = await log.store.entriesAfter(next.replicaId, 5n, 1)
    expect(await store.append([stored!])).toHaveLength(1)
    expect((await store.versionVector())[0]!.counter).toBe(6n)
    const raw = await openDB(name)
    expect(Object.keys(await raw.get('events', originals[0]!.eventId as Uint8Array<ArrayBuffer>)).sort()).toEqual(['event', 'slot'])
    raw.close()
    store.close()
  })

  it('marks descriptor events already stored by version 2, so the descriptor index finds them', async () => {
    const name = `terrain-v2-${Date.now()}`
    const world = await createWorld('quiet harbor lantern')
    const provider = await createSigner(new Uint8Array(32).fill(6))
    const descriptor = await descriptorEvent({
      world: world.id,
      epoch: 3n,
      contactPoints: ['/p2p/provider'],
      model: { baseModelId: 'terrain-tiny', weightsDigest: new Uint8Array(32).fill(1), runtimeId: 'wasm', contextLimit: 128 },
      signer: provider,
    })
    const log = new EventLog(world.id, new MemoryEventStore())
    const authored = [await log.author(await sampleAttestationEvent(world.id, provider, 1)), await log.author(descriptor)]
    // The version-2 layout: slot and event only, no descriptor mark or index.
    const v2 = await openDB(name, 2, {
      upgrade(db) {
        db.createObjectStore('events').createIndex('slot', 'slot', { unique: true })
        db.createObjectStore('counters')
      },
    })
    for (const e of authored) await v2.add('events', { slot: concatBytes(e.replicaId, be64(e.seq)), event: e.event }, decodeEvent(e.event).eventId as Uint8Array<ArrayBuffer>)
    v2.close()

    const store = await IndexedDbEventStore.open(name)
    const found: Uint8Array[] = []
    await store.descriptorEvents((e) => found.push(e))
    expect(found.map(toHex)).toEqual([toHex(authored[1]!.event)])
    expect(await store.count()).toBe(2)
    store.close()
  })
})
