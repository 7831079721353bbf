/**
 * The browser's `EventStore`: IndexedDB through `idb`, used from dedicated
 * workers. An append is one readwrite transaction that only writes: each
 * entry is an `add`, which the database itself refuses when the event is
 * already stored or its origin slot is taken (a unique index), so nothing
 * is read first. It resolves once the transaction has committed.
 *
 * Object stores: `events` (eventId → { slot, event }, unique index `slot`
 * on replicaId | seq u64 BE), `counters` (replicaId → contiguous counter).
 * A record holds only the slot key and the event (and a mark on
 * control-plane records, for the sparse `controlPlane` index): the origin is in the slot key,
 * the event id is the primary key. Fewer fields mean less cloning per
 * write, which is most of an append's cost on the calling thread.
 */
import { openDB, unwrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb'
import {
  be64,
  compareBytes,
  concatBytes,
  readBe64,
  type Bytes32,
  type EventStore,
  type SlotLookup,
  type SlotProbe,
  type StoredEntry,
  toHex,
  type VersionVectorEntry,
  isControlPlaneRecord,
} from '../core/index.js'

/** IndexedDB keys must be views of a plain ArrayBuffer; every array here is (none is shared memory). */
type Key = Uint8Array<ArrayBuffer>
const key = (bytes: Uint8Array): Key => bytes as Key

interface StoredRecord {
  /** replicaId | seq as u64 BE: the origin slot, and the index key. */
  slot: Key
  event: Uint8Array
  /** Present (1) on control-plane records only (see `isControlPlaneRecord`): a sparse index finds them without reading the log. */
  controlPlane?: 1
}

/** The record layout of schema version 3, kept for its migration: only descriptor events were marked. */
interface RecordV3 {
  slot: Key
  event: Uint8Array
  descriptor?: 1
}

/** The record layout of schema version 1, kept for its migration. */
interface RecordV1 extends StoredEntry {
  slot: Key
}

interface EventDb extends DBSchema {
  events: { key: Key; value: StoredRecord; indexes: { slot: Key; controlPlane: number } }
  counters: { key: Key; value: bigint }
}

const SCHEMA_VERSION = 4

const slotKey = (replicaId: Bytes32, seq: bigint): Key => key(concatBytes(replicaId, be64(seq)))
function entryOf({ slot, event }: StoredRecord, eventId: Key): StoredEntry {
  return { replicaId: slot.subarray(0, 32), seq: readBe64(slot, 32), eventId: new Uint8Array(eventId), event }
}

/** What is stored for a record: its slot and bytes, and the control-plane mark where it applies. */
const recordOf = (slot: Key, event: Uint8Array): StoredRecord => (isControlPlaneRecord(event) ? { slot, event, controlPlane: 1 } : { slot, event })

/**
 * Version 1 stored every field of the entry; version 2 keeps the slot and the
 * event; version 3 marked descriptor events; version 4 marks every
 * control-plane record. One pass brings any of them to version 4.
 */
async function migrate(tx: IDBPTransaction<EventDb, StoreNames<EventDb>[], 'versionchange'>, oldVersion: number): Promise<void> {
  let cursor = await tx.objectStore('events').openCursor()
  while (cursor) {
    const old = cursor.value as unknown as RecordV1 & RecordV3
    const record = recordOf(old.slot, old.event)
    if (oldVersion < 2 || old.descriptor || record.controlPlane) await cursor.update(record)
    cursor = await cursor.continue()
  }
}

export class IndexedDbEventStore implements EventStore {
  private constructor(private readonly db: IDBPDatabase<EventDb>) {}

  /** Open (or create) the log database `name`, e.g. one per world; upgrades older layouts in place. */
  static async open(name: string): Promise<IndexedDbEventStore> {
    let migration: Promise<void> | undefined
    const db = await openDB<EventDb>(name, SCHEMA_VERSION, {
      upgrade(database, oldVersion, _newVersion, tx) {
        if (oldVersion < 1) {
          database.createObjectStore('events').createIndex('slot', 'slot', { unique: true })
          database.createObjectStore('counters')
        }
        // The version-3 index has another name and field; the typed schema no longer knows it.
        if (oldVersion === 3) (tx.objectStore('events') as unknown as IDBObjectStore).deleteIndex('descriptor')
        if (oldVersion < 4) tx.objectStore('events').createIndex('controlPlane', 'controlPlane')
        if (oldVersion >= 1 && oldVersion < 4) migration = migrate(tx, oldVersion)
      },
    })
    // openDB resolves once the upgrade transaction committed, so the migration is done; surface its failure, if any.
    await migration
    return new IndexedDbEventStore(db)
  }

  close(): void {
    this.db.close()
  }

  async append(entries: readonly StoredEntry[]): Promise<StoredEntry[]> {
    if (entries.length === 0) return []
    const tx = this.db.transaction(['events', 'counters'], 'readwrite')
    const events = unwrap(tx.objectStore('events'))
    const refused = new Set<number>()
    entries.forEach((e, i) => {
      // Copies, so a record never clones a whole network frame its arrays may view.
      const request = events.add(recordOf(slotKey(e.replicaId, e.seq), e.event.slice()), key(e.eventId.slice()))
      request.onerror = (event) => {
        // A known event or a taken slot: skip this entry, keep the transaction.
        event.preventDefault()
        event.stopPropagation()
        refused.add(i)
      }
    })
    const counters = tx.objectStore('counters')
    const slots = tx.objectStore('events').index('slot')
    const origins = [...new Map(entries.map((e) => [toHex(e.replicaId), e.replicaId])).values()]
    // Requests complete in order, so once these reads answer every add above has succeeded or been refused.
    const stored = await Promise.all(origins.map((replicaId) => counters.get(key(replicaId))))
    const added = entries.filter((_, i) => !refused.has(i))
    await Promise.all(
      origins.map(async (replicaId, i) => {
        const seqs = new Set(added.filter((e) => compareBytes(e.replicaId, replicaId) === 0).map((e) => e.seq))
        let counter = stored[i] ?? 0n
        // Slots this batch filled are known without a read; only the first gap beyond them is looked up.
        for (;;) {
          if (seqs.has(counter + 1n)) counter++
          else if ((await slots.getKey(slotKey(replicaId, counter + 1n))) !== undefined) counter++
          else break
        }
        await counters.put(counter, key(replicaId))
      }),
    )
    await tx.done
    return added.map((e) => ({ replicaId: e.replicaId, seq: e.seq, eventId: e.eventId, event: e.event }))
  }

  async has(eventId: Bytes32): Promise<boolean> {
    return (await this.db.getKey('events', key(eventId))) !== undefined
  }

  async lookup(probes: readonly SlotProbe[]): Promise<SlotLookup[]> {
    if (probes.length === 0) return []
    const tx = this.db.transaction('events')
    const slots = tx.store.index('slot')
    return Promise.all(
      probes.map(async (p) => {
        const [stored, slotHolder] = await Promise.all([tx.store.getKey(key(p.eventId)), slots.getKey(slotKey(p.replicaId, p.seq))])
        return { stored: stored !== undefined, slotHolder: slotHolder && new Uint8Array(slotHolder) }
      }),
    )
  }

  async slot(replicaId: Bytes32, seq: bigint): Promise<Bytes32 | undefined> {
    const holder = await this.db.getKeyFromIndex('events', 'slot', slotKey(replicaId, seq))
    return holder && new Uint8Array(holder)
  }

  async versionVector(): Promise<VersionVectorEntry[]> {
    const tx = this.db.transaction('counters')
    const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()])
    return keys
      .map((replicaId, i) => ({ replicaId: new Uint8Array(replicaId), counter: values[i]! }))
      .filter((e) => e.counter > 0n)
      .sort((a, b) => compareBytes(a.replicaId, b.replicaId))
  }

  async entriesAfter(replicaId: Bytes32, after: bigint, limit: number): Promise<StoredEntry[]> {
    if (limit <= 0) return []
    const range = IDBKeyRange.bound(slotKey(replicaId, after), key(concatBytes(replicaId, new Uint8Array(8).fill(0xff))), true, false)
    const count = Math.min(limit, 2 ** 32 - 1)
    const slots = this.db.transaction('events').store.index('slot')
    // One transaction, so keys and values describe the same records in the same (slot) order.
    const [eventIds, records] = await Promise.all([slots.getAllKeys(range, count), slots.getAll(range, count)])
    return records.map((r, i) => entryOf(r, eventIds[i]!))
  }

  async controlPlaneRecords(visit: (record: Uint8Array) => void): Promise<void> {
    for (const record of await this.db.getAllFromIndex('events', 'controlPlane')) visit(record.event)
  }

  async count(): Promise<number> {
    return this.db.count('events')
  }
}
