/**
 * What a log slot holds: a plain event, or a sealed control-plane record
 * (see sealed-event.ts). Both have an id the store keys them by, an author
 * whose rotating replica id is their origin, and a validation every peer
 * can run without any key.
 */
import { equalBytes } from './bytes.js'
import { CanonError, decode } from './canonical.js'
import { eventSigner, EventValidationError, MAX_EVENT_BYTES, validateDecodedEvent, type EventValidationOptions, type RejectionReport } from './events.js'
import { blake3Ready } from './hash.js'
import { deriveReplicaIdSync } from './ids.js'
import { isSealedRecord } from './record-kind.js'
import { checkSealedRecord, decodeSealedRecord, sealedRecordIdSync, type SealedEvent } from './sealed-event.js'
import { eventCodec } from './structs.js'
import type { Bytes32, Event } from './types.js'

export type LogRecord = { kind: 'event'; id: Bytes32; event: Event } | { kind: 'sealed'; id: Bytes32; sealed: SealedEvent }

/** Strictly decode record bytes (after `blake3Ready()`); a `CanonError` when malformed. */
export function decodeLogRecord(bytes: Uint8Array): LogRecord {
  if (isSealedRecord(bytes)) return { kind: 'sealed', id: sealedRecordIdSync(bytes), sealed: decodeSealedRecord(bytes) }
  const event = decode(eventCodec, bytes)
  return { kind: 'event', id: event.eventId, event }
}

/** The transport key that authored a record: the event's signer, or the record's sealer. */
function recordAuthor(record: LogRecord): Uint8Array {
  return record.kind === 'event' ? eventSigner(record.event) : record.sealed.sealerTransportPubkey
}

/** The replica id a record's log entry must carry: its author's, for the record's epoch. */
export function recordOrigin(record: LogRecord): Bytes32 {
  const { world, epochId } = record.kind === 'event' ? record.event : record.sealed
  return deriveReplicaIdSync(recordAuthor(record), world, epochId)
}

/**
 * `recordOrigin` for the records of one batch, in order. A batch is mostly
 * runs of one author's records of one epoch, so the origin of the record
 * before is reused when author, world and epoch match: a byte comparison
 * instead of a hash a record.
 */
export function batchOrigins(): (record: LogRecord) => Bytes32 {
  let last: { author: Uint8Array; world: Uint8Array; epochId: bigint; origin: Bytes32 } | undefined
  return (record) => {
    const { world, epochId } = record.kind === 'event' ? record.event : record.sealed
    const author = recordAuthor(record)
    if (last && last.epochId === epochId && equalBytes(last.author, author) && equalBytes(last.world, world)) return last.origin
    last = { author, world, epochId, origin: deriveReplicaIdSync(author, world, epochId) }
    return last.origin
  }
}

/**
 * Validate a decoded record; `bytes` must be what it was decoded from. A
 * plain event gets the full event validation, a sealed record the checks
 * anyone can make without the control-plane key.
 */
export async function validateDecodedRecord(record: LogRecord, bytes: Uint8Array, options: EventValidationOptions = {}): Promise<RejectionReport | undefined> {
  if (bytes.length > MAX_EVENT_BYTES) return { code: 'too-large', message: `record of ${bytes.length} bytes exceeds ${MAX_EVENT_BYTES}` }
  if (record.kind === 'sealed') return checkSealedRecord(record.sealed, options)
  const result = await validateDecodedEvent(record.event, bytes, options)
  return result.ok ? undefined : { code: result.error.code, message: result.error.message }
}

/** Decode and validate record bytes received from the network: the record, or a typed rejection. */
export async function validateRecordBytes(bytes: Uint8Array, options: EventValidationOptions = {}): Promise<{ ok: true; record: LogRecord } | { ok: false; error: EventValidationError }> {
  if (!(bytes instanceof Uint8Array)) return { ok: false, error: new EventValidationError('malformed', 'record is not bytes') }
  if (bytes.length > MAX_EVENT_BYTES) return { ok: false, error: new EventValidationError('too-large', `record of ${bytes.length} bytes exceeds ${MAX_EVENT_BYTES}`) }
  await blake3Ready()
  let record: LogRecord
  try {
    record = decodeLogRecord(bytes)
  } catch (e) {
    if (!(e instanceof CanonError)) throw e
    return { ok: false, error: new EventValidationError('malformed', e.message, { cause: e }) }
  }
  const fault = await validateDecodedRecord(record, bytes, options)
  return fault ? { ok: false, error: new EventValidationError(fault.code, fault.message) } : { ok: true, record }
}

/** Bytes a valid record's facts take in `BatchVerdicts.facts`: its id, then its origin. */
export const RECORD_FACTS_BYTES = 64

/**
 * Verdicts on a batch of records, in input order. A record's id and origin
 * come with them, so that whoever stores the batch need not decode each
 * record again; they travel packed, one buffer a batch.
 */
export interface BatchVerdicts {
  /** A typed rejection, or undefined when the record is valid. */
  faults: (RejectionReport | undefined)[]
  /** `RECORD_FACTS_BYTES` a record: the id, then the origin (zeros for a rejected record). */
  facts: Uint8Array
}

/** What storing a valid record needs to know of it. */
export interface RecordFacts {
  id: Bytes32
  origin: Bytes32
}

/** The id and origin of record `i` in `verdicts.facts`. */
export function recordFacts(verdicts: BatchVerdicts, i: number): RecordFacts {
  const at = i * RECORD_FACTS_BYTES
  return { id: verdicts.facts.subarray(at, at + 32), origin: verdicts.facts.subarray(at + 32, at + RECORD_FACTS_BYTES) }
}

/** `validateRecordBytes` over many records, concurrently: a verdict per record, in order, with the id and origin of each valid one. */
export async function validateRecordsBytes(records: readonly Uint8Array[], options: EventValidationOptions = {}): Promise<BatchVerdicts> {
  const results = await Promise.all(records.map((bytes) => validateRecordBytes(bytes, options)))
  const facts = new Uint8Array(records.length * RECORD_FACTS_BYTES)
  const originOf = batchOrigins()
  const faults = results.map((result, i) => {
    if (!result.ok) return { code: result.error.code, message: result.error.message }
    facts.set(result.record.id, i * RECORD_FACTS_BYTES)
    facts.set(originOf(result.record), i * RECORD_FACTS_BYTES + 32)
    return undefined
  })
  return { faults, facts }
}
