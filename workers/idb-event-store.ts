/**
 * The browser's `EventStore`: IndexedDB through `idb`, used from dedicated
 * workers. Consecutive entries of one origin are stored together as a run
 * (see idb-log-runs.ts), so a sync batch is a few records, not hundreds.
 *
 * Object stores: `runs` (run key → ids, events, offsets; a unique
 * multiEntry index `ids` over the event ids, a sparse index
 * `controlPlane`), `counters` (replicaId → contiguous counter), `totals`
 * (`events` → how many events are stored: counting the `ids` index walks
 * every id, and pages ask for the count every second). An append is one
 * readwrite transaction: a key-only read per origin finds the slots
 * already filled, and the `ids` index itself refuses an event stored
 * twice, so no event is read back before it is written.
 */
import { openDB, unwrap, wrap, type DBSchema, type IDBPDatabase, type IDBPObjectStore, type IDBPTransaction, type StoreNames } from 'idb'
import { compareBytes, isControlPlaneRecord, type AppendOptions, readBe64, toHex, type Bytes32, type EventStore, type SlotLookup, type SlotProbe, type StoredEntry, type VersionVectorEntry } from '../core/index.js'
import { asKey, entryOfRun, keyBytes, SEQ_MAX, eventOfRun, packRun, runKey, runsStartingIn, runSpan, splitIntoRuns, type Key, type RunRecord } from './idb-log-runs.js'

interface EventDb extends DBSchema {
  runs: { key: Key; value: RunRecord; indexes: { ids: Key; controlPlane: number } }
  counters: { key: Key; value: bigint }
  totals: { key: 'events'; value: number }
}

/** Versions 1–4 stored one record per event in `events` (eventId → { slot, event, ... }); version 5 kept no `totals`. */
const SCHEMA_VERSION = 6

type RunStore<Mode extends IDBTransactionMode> = IDBPObjectStore<EventDb, StoreNames<EventDb>[], 'runs', Mode>

const addRun = (runs: IDBObjectStore, run: readonly StoredEntry[]): IDBRequest => runs.add(packRun(run), runKey(run[0]!.replicaId, run[0]!.seq, run[run.length - 1]!.seq))

/** Adds a run; resolves false, without failing the transaction, when the database refuses it (an id already stored). */
function tryAdd(runs: IDBObjectStore, run: readonly StoredEntry[]): Promise<boolean> {
  const request = addRun(runs, run)
  return new Promise((resolve) => {
    request.onsuccess = () => resolve(true)
    request.onerror = (event) => {
      event.preventDefault()
      event.stopPropagation()
      resolve(false)
    }
  })
}

/** The key of the run of `replicaId` that fills slot `seq`, if any. */
async function runHolding(runs: RunStore<IDBTransactionMode>, replicaId: Bytes32, seq: bigint): Promise<Key | undefined> {
  const cursor = await runs.openKeyCursor(runsStartingIn(replicaId, 0n, seq), 'prev')
  return cursor && runSpan(cursor.key).last >= seq ? cursor.key : undefined
}

/** Moves the origin's contiguous counter past every run that now follows it. */
async function advanceCounter(tx: IDBPTransaction<EventDb, ('runs' | 'counters' | 'totals')[], 'readwrite'>, replicaId: Bytes32): Promise<void> {
  const runs = tx.objectStore('runs')
  const stored = (await tx.objectStore('counters').get(asKey(replicaId))) ?? 0n
  let counter = stored
  for (;;) {
    const next = await runs.getKey(runsStartingIn(replicaId, counter + 1n, counter + 1n))
    if (next === undefined) break
    counter = runSpan(next).last
  }
  if (counter !== stored) await tx.objectStore('counters').put(counter, asKey(replicaId))
}

/** The slots already filled among those of `list` (entries of one origin), found from run keys alone. */
async function filledSpans(runs: RunStore<'readwrite'>, list: readonly StoredEntry[]): Promise<{ first: bigint; last: bigint }[]> {
  const replicaId = list[0]!.replicaId
  let lowest = list[0]!.seq
  let highest = lowest
  for (const e of list) {
    if (e.seq < lowest) lowest = e.seq
    if (e.seq > highest) highest = e.seq
  }
  const [before, within] = await Promise.all([runHolding(runs, replicaId, lowest), highest > lowest ? runs.getAllKeys(runsStartingIn(replicaId, lowest + 1n, highest)) : []])
  return [...(before ? [before] : []), ...within].map((k) => runSpan(k))
}

/**
 * Moves the records of versions 1–4 into runs, in slot order. Every one of
 * those layouts kept the slot key (`replicaId | seq`) and the event bytes.
 */
async function migrateToRuns(tx: IDBPTransaction<EventDb, StoreNames<EventDb>[], 'versionchange'>, database: IDBPDatabase<EventDb>): Promise<void> {
  const runs = unwrap(tx.objectStore('runs'))
  const old = (tx as unknown as { objectStore(name: string): IDBPObjectStore<unknown, string[], string, 'versionchange'> }).objectStore('events')
  let pending: StoredEntry[] = []
  const flush = async () => {
    for (const run of splitIntoRuns(pending)) await wrap(addRun(runs, run))
    pending = []
  }
  let cursor = await old.index('slot').openCursor()
  while (cursor) {
    const { slot, event } = cursor.value as { slot: Uint8Array; event: Uint8Array }
    const entry: StoredEntry = { replicaId: slot.subarray(0, 32), seq: readBe64(slot, 32), eventId: keyBytes(cursor.primaryKey as ArrayBuffer), event }
    const last = pending[pending.length - 1]
    if (last && (compareBytes(last.replicaId, entry.replicaId) !== 0 || last.seq + 1n !== entry.seq)) await flush()
    pending.push(entry)
    cursor = await cursor.continue()
  }
  await flush()
  ;(database as unknown as IDBDatabase).deleteObjectStore('events')
}

export class IndexedDbEventStore implements EventStore {
  private constructor(private readonly db: IDBPDatabase<EventDb>) {}

  /** Open (or create) the log database `name`, e.g. one per world; upgrades older layouts in place. */
  static async open(name: string): Promise<IndexedDbEventStore> {
    let migration: Promise<void> | undefined
    const db = await openDB<EventDb>(name, SCHEMA_VERSION, {
      upgrade(database, oldVersion, _newVersion, tx) {
        if (oldVersion < 1) database.createObjectStore('counters')
        if (oldVersion < 5) {
          const runs = database.createObjectStore('runs')
          runs.createIndex('ids', 'ids', { unique: true, multiEntry: true })
          runs.createIndex('controlPlane', 'controlPlane')
        }
        database.createObjectStore('totals')
        migration = (async () => {
          if (oldVersion >= 1 && oldVersion < 5) await migrateToRuns(tx, database)
          // Counted once here (a walk of the ids index); appends keep the count from now on.
          await tx.objectStore('totals').put(await tx.objectStore('runs').index('ids').count(), 'events')
        })()
      },
    })
    // openDB resolves once the upgrade transaction committed, so the migration is done; surface its failure, if any.
    await migration
    return new IndexedDbEventStore(db)
  }

  close(): void {
    this.db.close()
  }

  async append(entries: readonly StoredEntry[], options: AppendOptions = {}): Promise<StoredEntry[]> {
    if (entries.length === 0) return []
    // Replicated entries skip the flush to disk, which costs more CPU (in the kernel) than writing them.
    const durability = options.replicated ? 'relaxed' : 'strict'
    // An event offered under a slot other than its stored one is rare (a faulty or hostile
    // peer): the database refuses its run, and the batch is redone reading every id first.
    return (await this.appendOnce(entries, durability, false)) ?? (await this.appendOnce(entries, durability, true))!
  }

  /**
   * One append transaction. Skips, in input order as a sequence of single
   * appends would: entries whose slot a stored run fills, entries whose event
   * or slot an earlier entry of the batch took, and (with `readIds`) events
   * stored already. Without `readIds`, a run the database refuses aborts the
   * transaction and the result is undefined.
   */
  private async appendOnce(entries: readonly StoredEntry[], durability: IDBTransactionDurability, readIds: boolean): Promise<StoredEntry[] | undefined> {
    const tx = this.db.transaction(['runs', 'counters', 'totals'], 'readwrite', { durability })
    const runs = tx.objectStore('runs')
    const originOf = entries.map((e) => toHex(e.replicaId))
    const byOrigin = new Map<string, StoredEntry[]>()
    entries.forEach((e, i) => {
      const list = byOrigin.get(originOf[i]!)
      if (list) list.push(e)
      else byOrigin.set(originOf[i]!, [e])
    })
    const origins = [...byOrigin.keys()]
    const filled = new Map(await Promise.all(origins.map(async (o) => [o, await filledSpans(runs, byOrigin.get(o)!)] as const)))
    const known = readIds ? await Promise.all(entries.map((e) => runs.index('ids').getKey(asKey(e.eventId)))) : []
    const ids = new Set<string>()
    const slots = new Set<string>()
    const accepted = new Map<string, StoredEntry[]>(origins.map((o) => [o, []]))
    entries.forEach((e, i) => {
      const id = toHex(e.eventId)
      const slot = `${originOf[i]}:${e.seq}`
      if (known[i] !== undefined || ids.has(id) || slots.has(slot) || filled.get(originOf[i]!)!.some((span) => span.first <= e.seq && e.seq <= span.last)) return
      ids.add(id)
      slots.add(slot)
      accepted.get(originOf[i]!)!.push(e)
    })
    const added = new Set<StoredEntry>()
    const raw = unwrap(runs)
    for (const origin of origins) {
      const list = accepted.get(origin)!.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
      for (const run of splitIntoRuns(list)) {
        if (await tryAdd(raw, run)) for (const e of run) added.add(e)
        else if (!readIds) {
          tx.abort()
          await tx.done.catch(() => undefined)
          return undefined
        }
      }
      if (list.length > 0) await advanceCounter(tx, list[0]!.replicaId)
    }
    if (added.size > 0) {
      const totals = tx.objectStore('totals')
      await totals.put(((await totals.get('events')) ?? 0) + added.size, 'events')
    }
    await tx.done
    return entries.filter((e) => added.has(e)).map((e) => ({ replicaId: e.replicaId, seq: e.seq, eventId: e.eventId, event: e.event }))
  }

  async has(eventId: Bytes32): Promise<boolean> {
    return (await this.db.getKeyFromIndex('runs', 'ids', asKey(eventId))) !== undefined
  }

  async lookup(probes: readonly SlotProbe[]): Promise<SlotLookup[]> {
    if (probes.length === 0) return []
    const runs = this.db.transaction('runs').store
    return Promise.all(
      probes.map(async (p) => {
        const [stored, slotHolder] = await Promise.all([runs.index('ids').getKey(asKey(p.eventId)), this.holder(runs, p.replicaId, p.seq)])
        return { stored: stored !== undefined, slotHolder }
      }),
    )
  }

  async slot(replicaId: Bytes32, seq: bigint): Promise<Bytes32 | undefined> {
    return this.holder(this.db.transaction('runs').store, replicaId, seq)
  }

  private async holder(runs: RunStore<'readonly'>, replicaId: Bytes32, seq: bigint): Promise<Bytes32 | undefined> {
    const key = await runHolding(runs, replicaId, seq)
    const record = key && (await runs.get(key))
    return record ? record.ids[Number(seq - runSpan(key).first)]!.slice() : undefined
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
    if (limit <= 0 || after >= SEQ_MAX) return []
    const runs = this.db.transaction('runs').store
    const holding = await runHolding(runs, replicaId, after + 1n)
    const from = holding ? runSpan(holding).first : after + 1n
    const out: StoredEntry[] = []
    let cursor = await runs.openCursor(runsStartingIn(replicaId, from, SEQ_MAX))
    while (cursor && out.length < limit) {
      const { first } = runSpan(cursor.key)
      for (let i = 0; i < cursor.value.ends.length && out.length < limit; i++) {
        if (first + BigInt(i) > after) out.push(entryOfRun(cursor.key, cursor.value, i))
      }
      cursor = await cursor.continue()
    }
    return out
  }

  async controlPlaneRecords(visit: (record: Uint8Array) => void): Promise<void> {
    for (const run of await this.db.getAllFromIndex('runs', 'controlPlane')) {
      for (let i = 0; i < run.ends.length; i++) {
        const start = run.ends[i - 1] ?? 0
        if (isControlPlaneRecord(run.events.subarray(start, run.ends[i]))) visit(eventOfRun(run, i))
      }
    }
  }

  async count(): Promise<number> {
    return (await this.db.get('totals', 'events')) ?? 0
  }
}
