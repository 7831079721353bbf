import { openDB } from 'idb'
import { describe, expect, it } from 'vitest'
import { be64, concatBytes, createSigner, createWorld, decodeEvent, EventLog, MemoryEventStore, sampleAttestationEvent, toHex } from '../../core/index.js'
import { IndexedDbEventStore } from '../../workers/idb-event-store.js'
import { asKey, packRun, runKey } from '../../workers/idb-log-runs.js'
import { eventStoreAcceptance } from '../acceptance/event-store.js'
import { indexSamples } from '../acceptance/sample-records.js'

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
    // The five migrated events form one run (consecutive slots), the new one a second; the per-event store is gone.
    expect([...raw.objectStoreNames].sort()).toEqual(['counters', 'runs', 'totals'])
    expect(await raw.count('runs')).toBe(2)
    raw.close()
    store.close()
  })

  for (const oldVersion of [2, 3, 4]) {
    it(`moves the records of version ${oldVersion} into runs, where the control-plane index finds them`, async () => {
      const name = `terrain-v${oldVersion}-${Date.now()}`
      const { world, descriptor, attestation, endorsement } = await indexSamples()
      const log = new EventLog(world.id, new MemoryEventStore())
      const authored = [await log.author(attestation), await log.author(descriptor), await log.author(endorsement)]
      // The old layouts: slot and event; version 3 also marked descriptor events, under another index.
      const old = await openDB(name, oldVersion, {
        upgrade(db) {
          const events = db.createObjectStore('events')
          events.createIndex('slot', 'slot', { unique: true })
          if (oldVersion === 3) events.createIndex('descriptor', 'descriptor')
          if (oldVersion === 4) events.createIndex('controlPlane', 'controlPlane')
          db.createObjectStore('counters')
        },
      })
      for (const [i, e] of authored.entries()) {
        const mark = oldVersion === 3 && i === 1 ? { descriptor: 1 } : oldVersion === 4 && i < 2 ? { controlPlane: 1 } : {}
        await old.add('events', { slot: concatBytes(e.replicaId, be64(e.seq)), event: e.event, ...mark }, decodeEvent(e.event).eventId as Uint8Array<ArrayBuffer>)
      }
      for (const e of authored) await old.put('counters', e.seq, e.replicaId as Uint8Array<ArrayBuffer>)
      old.close()

      const store = await IndexedDbEventStore.open(name)
      const found: Uint8Array[] = []
      await store.controlPlaneRecords((record) => found.push(record))
      expect(found.map(toHex).sort()).toEqual([authored[0]!.event, authored[1]!.event].map(toHex).sort())
      expect(await store.count()).toBe(3)
      // Samples of one epoch share an origin and fill its slots from 1: one run per origin.
      const counters = new Map(authored.map((e) => [toHex(e.replicaId), e.seq]))
      expect(new Map((await store.versionVector()).map((v) => [toHex(v.replicaId), v.counter]))).toEqual(counters)
      for (const e of authored) expect((await store.entriesAfter(e.replicaId, e.seq - 1n, 1)).map((s) => [s.seq, toHex(s.event)])).toEqual([[e.seq, toHex(e.event)]])
      const raw = await openDB(name)
      expect(await raw.count('runs')).toBe(counters.size)
      expect([...raw.objectStoreNames].sort()).toEqual(['counters', 'runs', 'totals'])
      expect([...raw.transaction('runs').store.indexNames].sort()).toEqual(['controlPlane', 'ids'])
      raw.close()
      store.close()
    })
  }
})

describe('IndexedDbEventStore event count', () => {
  const at = (seq: bigint, id: number) => ({ replicaId: new Uint8Array(32).fill(1), seq, eventId: new Uint8Array(32).fill(id), event: new Uint8Array([id]) })

  it('counts the events of a version-5 database (runs, no count kept) once, when it upgrades', async () => {
    const name = `terrain-v5-${Date.now()}`
    const v5 = await openDB(name, 5, {
      upgrade(db) {
        db.createObjectStore('counters')
        const runs = db.createObjectStore('runs')
        runs.createIndex('ids', 'ids', { unique: true, multiEntry: true })
        runs.createIndex('controlPlane', 'controlPlane')
      },
    })
    const runs = [[at(1n, 1), at(2n, 2)], [at(3n, 3)]]
    for (const run of runs) await v5.add('runs', packRun(run), runKey(run[0]!.replicaId, run[0]!.seq, run.at(-1)!.seq))
    await v5.put('counters', 3n, asKey(at(1n, 1).replicaId))
    v5.close()

    const store = await IndexedDbEventStore.open(name)
    expect(await store.count()).toBe(3)
    expect(await store.append([at(4n, 4)])).toHaveLength(1)
    expect(await store.count()).toBe(4)
    store.close()
  })

  it('adds only what an append stored: duplicates, taken slots and refused ids add nothing', async () => {
    const store = await IndexedDbEventStore.open(`terrain-count-${Date.now()}`)
    expect(await store.count()).toBe(0)
    expect(await store.append([at(1n, 1), at(2n, 2)], { replicated: true })).toHaveLength(2)
    // Slot 2 is taken; id 1 is stored under slot 1 (the redo path); only slot 3 with id 3 is new.
    expect(await store.append([at(2n, 2), at(3n, 1), at(3n, 3)])).toHaveLength(1)
    expect(await store.count()).toBe(3)
    store.close()
  })
})

describe('IndexedDbEventStore durability', () => {
  it('flushes to disk for records of its own, not for replicated batches (which anti-entropy fetches again)', async () => {
    const store = await IndexedDbEventStore.open(`terrain-durability-${Date.now()}`)
    const seen: (string | undefined)[] = []
    const original = IDBDatabase.prototype.transaction
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, names: string | string[], mode?: IDBTransactionMode, options?: IDBTransactionOptions) {
      if (mode === 'readwrite') seen.push(options?.durability)
      return original.call(this, names, mode, options)
    }
    try {
      const at = (seq: bigint, id: number) => ({ replicaId: new Uint8Array(32).fill(1), seq, eventId: new Uint8Array(32).fill(id), event: new Uint8Array([id]) })
      await store.append([at(1n, 1)])
      await store.append([at(2n, 2), at(3n, 3)], { replicated: true })
    } finally {
      IDBDatabase.prototype.transaction = original
    }
    expect(seen).toEqual(['strict', 'relaxed'])
    expect(await store.count()).toBe(3)
    store.close()
  })
})
