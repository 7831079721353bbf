/**
 * Delta sync into a fresh browser peer's IndexedDB log, beside the two rates
 * that bound it, measured in the same run: raw validation of the same events
 * and raw batched IndexedDB writes. Runs in a Chromium dedicated worker. The
 * network is left out (the source replica is in the same worker) so the
 * figure isolates the pipeline: frames, decoding, validation, storage.
 */
import {
  createSigner,
  createWorld,
  defaultReplicaSettings,
  EventLog,
  MemoryEventStore,
  Replica,
  sampleAttestationEvent,
  validateEventBytes,
  type Bytes32,
  type StoredEntry,
} from '../core/index.js'
import { deleteDB, openDB } from 'idb'
import { IndexedDbEventStore } from '../workers/idb-event-store.js'
import { ValidationPool } from '../workers/validation-pool.js'

export interface SyncFigures {
  events: number
  generateSeconds: number
  validationPerSecond: number
  idbWritePerSecond: number
  /** `IndexedDbEventStore.append` on the same records and batches. */
  storeAppendPerSecond: number
  syncSeconds: number
  syncPerSecond: number
  /** Sync rate over the slower of validation and IndexedDB writes. */
  ratioToBound: number
}

/** Events a write batch: the sync batch a peer asks for, so that the raw writes and the sync write alike. */
const BATCH = defaultReplicaSettings.maxBatchEntries

/** The events the suite signed, kept so the bound can be measured again beside later syncs. */
let kept: { world: Bytes32; all: StoredEntry[] } | undefined

export interface BoundFigures {
  validationPerSecond: number
  idbWritePerSecond: number
}

/**
 * The two rates a sync is bounded by, measured now on the suite's events:
 * raw validation (each event in turn, on this thread) and raw IndexedDB
 * batched writes. The machine's speed drifts over minutes, so a sync is
 * best compared with a bound measured just before and after it.
 */
export async function measureBound(): Promise<BoundFigures> {
  if (!kept) throw new Error('run the sync suite first: it signs the events the bound is measured on')
  const { world, all } = kept
  const t1 = performance.now()
  for (const entry of all) {
    const result = await validateEventBytes(entry.event, { world })
    if (!result.ok) throw result.error
  }
  const validationPerSecond = all.length / ((performance.now() - t1) / 1000)

  // Raw: the same records put into one object store, a transaction per batch, no reads, and no
  // flush to disk: the durability sync batches are written with (they are copies others hold).
  const rawName = `bench-raw-${Date.now()}`
  const raw = await openDB(rawName, 1, { upgrade: (db) => void db.createObjectStore('events') })
  const t2 = performance.now()
  for (let i = 0; i < all.length; i += BATCH) {
    const tx = raw.transaction('events', 'readwrite', { durability: 'relaxed' })
    for (const entry of all.slice(i, i + BATCH)) void tx.store.put(entry, entry.eventId as Uint8Array<ArrayBuffer>)
    await tx.done
  }
  const idbWritePerSecond = all.length / ((performance.now() - t2) / 1000)
  raw.close()
  // Each measurement starts from an empty database, as the sync does.
  await deleteDB(rawName)
  return { validationPerSecond, idbWritePerSecond }
}

export async function runSyncSuite(events: number, progress: (text: string) => void = () => {}): Promise<SyncFigures> {
  const world = await createWorld('quiet harbor lantern')
  const source = new MemoryEventStore()
  const sourceLog = new EventLog(world.id, source)
  const signers = await Promise.all([1, 2, 3, 4].map((b) => createSigner(new Uint8Array(32).fill(b))))
  const t0 = performance.now()
  for (let i = 0; i < events; i++) {
    await sourceLog.author(await sampleAttestationEvent(world.id, signers[i % signers.length]!, i, BigInt(1 + (i % 3))))
    if (i % 10_000 === 9_999) progress(`generated ${i + 1} signed events`)
  }
  const generateSeconds = (performance.now() - t0) / 1000
  const all: StoredEntry[] = []
  for (const origin of await source.versionVector()) all.push(...(await source.entriesAfter(origin.replicaId, 0n, events)))

  kept = { world: world.id, all }
  const { validationPerSecond, idbWritePerSecond } = await measureBound()
  progress('measured raw validation and raw IndexedDB batched writes')

  // The store's own append (runs, the ids index, counters), to split the gap between the bound and sync.
  const appendName = `bench-append-${Date.now()}`
  const appendOnly = await IndexedDbEventStore.open(appendName)
  const tAppend = performance.now()
  for (let i = 0; i < all.length; i += BATCH) await appendOnly.append(all.slice(i, i + BATCH), { replicated: true })
  const storeAppendPerSecond = all.length / ((performance.now() - tAppend) / 1000)
  appendOnly.close()
  await deleteDB(appendName)

  const fresh = await IndexedDbEventStore.open(`bench-sync-${Date.now()}`)
  const queue: { to: string; frame: Uint8Array }[] = []
  const server = new Replica(sourceLog, { send: (to, frame) => queue.push({ to, frame }) }, () => [])
  // As in the log worker: signatures are checked on a validation pool while batches are written.
  const validator = new ValidationPool()
  const client = new Replica(new EventLog(world.id, fresh, { validator }), { send: (to, frame) => queue.push({ to, frame }) }, () => [], {
    maxBatchEntries: BATCH,
  })
  const t3 = performance.now()
  await client.syncWith('server')
  while (queue.length) {
    const { to, frame } = queue.shift()!
    await (to === 'server' ? server.receive('client', frame) : client.receive('server', frame))
  }
  await client.settled()
  const syncSeconds = (performance.now() - t3) / 1000
  validator.close()
  const stored = await fresh.count()
  fresh.close()
  if (stored !== events) throw new Error(`sync stored ${stored} of ${events} events`)
  const syncPerSecond = events / syncSeconds
  return {
    events,
    generateSeconds,
    validationPerSecond,
    idbWritePerSecond,
    storeAppendPerSecond,
    syncSeconds,
    syncPerSecond,
    ratioToBound: syncPerSecond / Math.min(validationPerSecond, idbWritePerSecond),
  }
}
