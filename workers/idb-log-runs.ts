/**
 * Runs: consecutive log entries of one origin packed into one IndexedDB
 * record. Each record a store writes costs a request, a structured clone
 * and a database write on both sides of the browser's process boundary;
 * packed, a sync batch of a few hundred events costs a few records, so the
 * log is written several times faster than one record per event allows.
 *
 * A run's key is `replicaId | first seq | last seq` (u64 BE each): runs of
 * one origin sort by their first slot, and the key alone says which slots a
 * run fills, so overlaps are found from keys without reading values.
 */
import { be64, concatBytes, readBe64, type Bytes32, type StoredEntry, isControlPlaneRecord } from '../core/index.js'

/** IndexedDB keys must be views of a plain ArrayBuffer; every array here is (none is shared memory). */
export type Key = Uint8Array<ArrayBuffer>
export const asKey = (bytes: Uint8Array): Key => bytes as Key

/**
 * Most bytes of events and ids in one run. Chromium moves values above
 * 64 KiB out into blob files, which are slower to write and read.
 */
const MAX_RUN_BYTES = 60_000
/** Most entries in one run (a bound on the ids one record indexes). */
const MAX_RUN_ENTRIES = 512

export interface RunRecord {
  /** Event ids in slot order: the unique multiEntry index `ids` refuses an event stored twice. Views of one buffer, cloned once. */
  ids: Key[]
  /** The events back to back: event i is events[ends[i-1] ?? 0, ends[i]). */
  events: Uint8Array
  ends: Uint32Array
  /** Present (1) when the run holds a control-plane record: a sparse index finds them without reading the log. */
  controlPlane?: 1
}

/** The highest sequence number a slot key can hold. */
export const SEQ_MAX = 2n ** 64n - 1n

/** The key of the run of `replicaId` filling slots first..last. */
export const runKey = (replicaId: Bytes32, first: bigint, last: bigint): Key => asKey(concatBytes(replicaId, be64(first), be64(last)))

/** A key as the database returns it: binary keys come back as ArrayBuffers, whatever view went in. */
export const keyBytes = (key: Uint8Array | ArrayBuffer): Uint8Array => (key instanceof Uint8Array ? key : new Uint8Array(key))

/** The slots a run key covers. */
export function runSpan(stored: Uint8Array | ArrayBuffer): { replicaId: Bytes32; first: bigint; last: bigint } {
  const key = keyBytes(stored)
  return { replicaId: key.subarray(0, 32), first: readBe64(key, 32), last: readBe64(key, 40) }
}

/** Keys of runs of `replicaId` whose first slot lies in [from, to]. */
export const runsStartingIn = (replicaId: Bytes32, from: bigint, to: bigint): IDBKeyRange =>
  IDBKeyRange.bound(runKey(replicaId, from, 0n), runKey(replicaId, to, SEQ_MAX))

/**
 * Splits entries of one origin, sorted by seq and each slot once, into runs
 * of consecutive slots within the size bounds.
 */
export function splitIntoRuns(entries: readonly StoredEntry[]): StoredEntry[][] {
  const runs: StoredEntry[][] = []
  let current: StoredEntry[] = []
  let bytes = 0
  for (const entry of entries) {
    const size = entry.event.length + 32
    const previous = current[current.length - 1]
    const joins = previous !== undefined && entry.seq === previous.seq + 1n && current.length < MAX_RUN_ENTRIES && bytes + size <= MAX_RUN_BYTES
    if (!joins && current.length > 0) {
      runs.push(current)
      current = []
      bytes = 0
    }
    current.push(entry)
    bytes += size
  }
  if (current.length > 0) runs.push(current)
  return runs
}

/** The record of one run: ids, events and offsets in two buffers, copied from the entries. */
export function packRun(run: readonly StoredEntry[]): RunRecord {
  const idBytes = run.length * 32
  const buffer = new Uint8Array(idBytes + run.reduce((sum, e) => sum + e.event.length, 0))
  const ends = new Uint32Array(run.length)
  const ids: Key[] = []
  let at = idBytes
  let controlPlane = false
  run.forEach((e, i) => {
    buffer.set(e.eventId, i * 32)
    ids.push(asKey(buffer.subarray(i * 32, i * 32 + 32)))
    buffer.set(e.event, at)
    at += e.event.length
    ends[i] = at - idBytes
    controlPlane ||= isControlPlaneRecord(e.event)
  })
  const record: RunRecord = { ids, events: buffer.subarray(idBytes), ends }
  return controlPlane ? { ...record, controlPlane: 1 } : record
}

/** Entry `index` of the run stored under `key`, with copies of its bytes (a view would keep the whole run alive). */
export function entryOfRun(key: Uint8Array, record: RunRecord, index: number): StoredEntry {
  const { replicaId, first } = runSpan(key)
  return {
    replicaId: replicaId.slice(),
    seq: first + BigInt(index),
    eventId: record.ids[index]!.slice(),
    event: eventOfRun(record, index),
  }
}

/** A copy of the bytes of event `index` of a run. */
export const eventOfRun = (record: RunRecord, index: number): Uint8Array => record.events.slice(record.ends[index - 1] ?? 0, record.ends[index]!)
