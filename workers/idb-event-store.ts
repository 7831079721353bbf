/**
 * The browser's `EventStore`: IndexedDB through `idb`, used from dedicated
 * workers. An append is one readwrite transaction that only writes: each
 * entry is an `add`, which the database itself refuses when the event is
 * already stored or its origin slot is taken (a unique index), so nothing
 * is read first. It resolves once the transaction has committed.
 *
 * Object stores: `events` (eventId → entry, unique index `slot` on
 * replicaId | seq u64 BE), `counters` (replicaId → contiguous counter).
 */
import { openDB, unwrap, type DBSchema, type IDBPDatabase } from 'idb'
import {
  be64,
  compareBytes,
  concatBytes,
  type Bytes32,
  type EventStore,
  type SlotLookup,
  type SlotProbe,
  type StoredEntry,
  toHex,
  type VersionVectorEntry,
} from '../core/index.js'

/** IndexedDB keys must be views of a plain ArrayBuffer; every array here is (none is shared memory). */
type Key = Uint8Array<ArrayBuffer>
const key = (bytes: Uint8Array): Key => bytes as Key

interface StoredRecord extends StoredEntry {
  slot: Key
}

interface EventDb extends DBSchema {
  events: { key: Key; value: StoredRecord; indexes: { slot: Key } }
  counters: { key: Key; value: bigint }
}

const SCHEMA_VERSION = 1

const slotKey = (replicaId: Bytes32, seq: bigint): Key => key(concatBytes(replicaId, be64(seq)))
const plainEntry = ({ replicaId, seq, eventId, event }: StoredRecord): StoredEntry => ({ replicaId, seq, eventId, event })

export class IndexedDbEventStore implements EventStore {
  private constructor(private readonly db: IDBPDatabase<EventDb>) {}

  /** Open (or create) the log database `name`, e.g. one per world. */
  static async open(name: string): Promise<IndexedDbEventStore> {
    const db = await openDB<EventDb>(name, SCHEMA_VERSION, {
      upgrade(database) {
        database.createObjectStore('events').createIndex('slot', 'slot', { unique: true })
        database.createObjectStore('counters')
      },
    })
    return new IndexedDbEventStore(db)
  }

  close(): void {
    this.db.close()
  }

  async append(entries: readonly StoredEntry[]): Promise<StoredEntry[]> {
    if (entries.length === 0) return []
    const tx = this.db.transaction(['events', 'counters'], 'readwrite')
    const events = unwrap(tx.objectStore('events'))
    const outcomes = entries.map((e) => {
      const record: StoredRecord = {
        replicaId: e.replicaId.slice(),
        seq: e.seq,
        eventId: e.eventId.slice(),
        event: e.event.slice(),
        slot: slotKey(e.replicaId, e.seq),
      }
      const request = events.add(record, key(record.eventId))
      return new Promise<StoredRecord | undefined>((resolve) => {
        request.onsuccess = () => resolve(record)
        request.onerror = (event) => {
          // A known event or a taken slot: skip this entry, keep the transaction.
          event.preventDefault()
          event.stopPropagation()
          resolve(undefined)
        }
      })
    })
    const added = (await Promise.all(outcomes)).filter((r): r is StoredRecord => r !== undefined)
    const counters = tx.objectStore('counters')
    const slots = tx.objectStore('events').index('slot')
    const byOrigin = new Map<string, { replicaId: Bytes32; seqs: Set<bigint> }>()
    for (const r of added) {
      const id = toHex(r.replicaId)
      const origin = byOrigin.get(id) ?? { replicaId: r.replicaId, seqs: new Set() }
      origin.seqs.add(r.seq)
      byOrigin.set(id, origin)
    }
    await Promise.all(
      [...byOrigin.values()].map(async ({ replicaId, seqs }) => {
        let counter = (await counters.get(key(replicaId))) ?? 0n
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
    return added.map(plainEntry)
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
    const records = await this.db.getAllFromIndex('events', 'slot', range, Math.min(limit, 2 ** 32 - 1))
    return records.map(plainEntry)
  }

  async count(): Promise<number> {
    return this.db.count('events')
  }
}
