/**
 * Payloads of the gossip and delta-sync frames, in the canonical encoding.
 * A `LogEntry` carries an event with its origin: the author's replica id for
 * the event's epoch and the author's sequence number in that epoch.
 */
import { compareBytes } from './bytes.js'
import { bool, bytes, bytes32, decode, encode, struct, u32, u64, vec, type Codec } from './canonical.js'
import type { Bytes32, VersionVectorEntry } from './types.js'
import { versionVectorEntryCodec } from './structs.js'

export interface LogEntry {
  replicaId: Bytes32
  seq: bigint
  /** Canonical bytes of the `Event`: validated as received, hashed without re-encoding. */
  event: Uint8Array
}

export interface SyncRequest {
  world: Bytes32
  /** Sorted by replica id, unique: highest contiguous seq held per origin. */
  vector: VersionVectorEntry[]
  /** Most entries the requester takes in one batch. */
  maxEntries: number
}

export interface SyncBatch {
  entries: LogEntry[]
  /** True on the last batch of a response. */
  done: boolean
}

export const logEntryCodec: Codec<LogEntry> = struct<LogEntry>('LogEntry', [
  ['replicaId', bytes32],
  ['seq', u64],
  ['event', bytes],
])

export const syncRequestCodec: Codec<SyncRequest> = struct<SyncRequest>('SyncRequest', [
  ['world', bytes32],
  ['vector', vec(versionVectorEntryCodec, (a, b) => compareBytes(a.replicaId, b.replicaId))],
  ['maxEntries', u32],
])

export const syncBatchCodec: Codec<SyncBatch> = struct<SyncBatch>('SyncBatch', [
  ['entries', vec(logEntryCodec)],
  ['done', bool],
])

export const encodeLogEntry = (e: LogEntry): Uint8Array => encode(logEntryCodec, e)
export const decodeLogEntry = (b: Uint8Array): LogEntry => decode(logEntryCodec, b)
export const encodeSyncRequest = (r: SyncRequest): Uint8Array => encode(syncRequestCodec, r)
export const decodeSyncRequest = (b: Uint8Array): SyncRequest => decode(syncRequestCodec, b)
export const encodeSyncBatch = (b: SyncBatch): Uint8Array => encode(syncBatchCodec, b)
export const decodeSyncBatch = (b: Uint8Array): SyncBatch => decode(syncBatchCodec, b)
