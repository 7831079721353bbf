/**
 * The browser's `EventStore`: IndexedDB through `idb`, used from dedicated
 * workers. One append is one readwrite transaction (batched writes are
 * 10–100x faster than a transaction per event); it resolves once the
 * transaction has committed.
 *
 * Object stores: `events` (eventId → entry), `slots` (replicaId | seq u64 BE → eventId),
 * `counters` (replicaId → contiguous counter).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { compareBytes, concatBytes, type Bytes32, type EventStore, type SlotLookup, type SlotProbe, type StoredEntry, type VersionVectorEntry } from '../core/index.js'

/** IndexedDB keys must be views of a plain ArrayBuffer; every array here is (none is shared memory). */
type Key = Uint8Array<ArrayBuffer>
const key = (bytes: Uint8Array): Key => bytes as Key

interface EventDb extends DBSchema {
  events: { key: Key; value: StoredEntry }
  slots: { key: Key; value: Uint8Array }
  counters: { key: Key; value: bigint }
}

const SCHEMA_VERSION = 1

function u64be(n: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, n)
  return out
}
const slotKey = (replicaId: Bytes32, seq: bigint): Key => key(concatBytes(replicaId, u64be(seq)))

export class IndexedDbEventStore implements EventStore {
  private constructor(private readonly db: IDBPDatabase<EventDb>) {}

  /** Open (or create) the log database `name`, e.g. one per world. */
  static async open(name: string): Promise<IndexedDbEventStore> {
    const db = await openDB<EventDb>(name, SCHEMA_VERSION, {
      upgrade(database) {
        database.createObjectStore('events')
        database.createObjectStore('slots')
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
    const tx = this.db.transaction(['events', 'slots', 'counters'], 'readwrite')
    const events = tx.objectStore('events')
    const slots = tx.objectStore('slots')
    const counters = tx.objectStore('counters')
    const existing = await Promise.all(entries.map((e) => Promise.all([events.getKey(key(e.eventId)), slots.getKey(slotKey(e.replicaId, e.seq))])))
    const taken = new Set<string>()
    const added: StoredEntry[] = []
    entries.forEach((e, i) => {
      const [event, slot] = existing[i]!
      const id = `e${e.eventId.join()}`
      const at = `s${e.replicaId.join()}:${e.seq}`
      if (event !== undefined || slot !== undefined || taken.has(id) || taken.has(at)) return
      taken.add(id).add(at)
      const copy: StoredEntry = { replicaId: e.replicaId.slice(), seq: e.seq, eventId: e.eventId.slice(), event: e.event.slice() }
      added.push(copy)
      void events.put(copy, key(copy.eventId))
      void slots.put(copy.eventId, slotKey(copy.replicaId, copy.seq))
    })
    const origins = new Map(added.map((e) => [e.replicaId.join(), e.replicaId]))
    await Promise.all(
      [...origins.values()].map(async (replicaId) => {
        let counter = (await counters.get(key(replicaId))) ?? 0n
        // Slots filled by this batch are known without a read; only gaps beyond them are looked up.
        const origin = replicaId.join()
        for (;;) {
          if (taken.has(`s${origin}:${counter + 1n}`)) counter++
          else if ((await slots.getKey(slotKey(replicaId, counter + 1n))) !== undefined) counter++
          else break
        }
        await counters.put(counter, key(replicaId))
      }),
    )
    await tx.done
    return added
  }

  async has(eventId: Bytes32): Promise<boolean> {
    return (await this.db.getKey('events', key(eventId))) !== undefined
  }

  async lookup(probes: readonly SlotProbe[]): Promise<SlotLookup[]> {
    if (probes.length === 0) return []
    const tx = this.db.transaction(['events', 'slots'])
    const events = tx.objectStore('events')
    const slots = tx.objectStore('slots')
    return Promise.all(
      probes.map(async (p) => {
        const [stored, slotHolder] = await Promise.all([events.getKey(key(p.eventId)), slots.get(slotKey(p.replicaId, p.seq))])
        return { stored: stored !== undefined, slotHolder }
      }),
    )
  }

  async slot(replicaId: Bytes32, seq: bigint): Promise<Bytes32 | undefined> {
    return this.db.get('slots', slotKey(replicaId, seq))
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
    const tx = this.db.transaction(['slots', 'events'])
    const range = IDBKeyRange.bound(slotKey(replicaId, after), key(concatBytes(replicaId, new Uint8Array(8).fill(0xff))), true, false)
    const ids = await tx.objectStore('slots').getAll(range, Math.min(limit, 2 ** 32 - 1))
    const events = tx.objectStore('events')
    return (await Promise.all(ids.map((id) => events.get(key(id))))).filter((e): e is StoredEntry => e !== undefined)
  }

  async count(): Promise<number> {
    return this.db.count('events')
  }
}
