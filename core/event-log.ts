/**
 * The append-only event log of one world: what a peer stores is only ever
 * records that passed validation (plain events, and sealed control-plane
 * records checked as far as a peer without the key can), each in its origin
 * slot (author's replica id for the record's epoch, author's sequence
 * number). Ingestion is batched so a store writes one transaction per batch.
 */
import { equalBytes, toHex } from './bytes.js'
import { CanonError } from './canonical.js'
import type { Ed25519Backend } from './ed25519.js'
import { TerrainError } from './errors.js'
import { encodeEvent } from './structs.js'
import { MAX_EVENT_BYTES, type EventRejection } from './events.js'
import type { AppendOptions, EventStore, SlotLookup, StoredEntry } from './event-store.js'
import { blake3Ready } from './hash.js'
import { batchOrigins, decodeLogRecord, recordFacts, recordOrigin, validateDecodedRecord, type BatchVerdicts, type LogRecord, type RecordFacts } from './log-record.js'
import type { LogEntry } from './sync-messages.js'
import type { Bytes32, Event } from './types.js'

export type IngestRejection = EventRejection | 'wrong-origin' | 'bad-seq' | 'seq-conflict'

export class IngestError extends TerrainError {
  declare readonly code: IngestRejection
}

export interface IngestResult {
  added: StoredEntry[]
  duplicates: number
  rejected: IngestError[]
}

/** Validated entries not yet stored, with what validation refused. */
export interface PreparedBatch {
  accepted: StoredEntry[]
  duplicates: number
  rejected: IngestError[]
}

/**
 * Validates many encoded events at once, possibly on other threads, with the
 * rules of `validateRecordBytes`; the verdicts, with each valid record's id
 * and origin, come back in input order (as `validateRecordsBytes` gives
 * them). Lets a caller overlap signature checks with its store's writes.
 */
export interface BatchValidator {
  validate(events: readonly Uint8Array[], options: { world: Bytes32; epochs?: { min: bigint; max: bigint } }): Promise<BatchVerdicts>
}

/** An entry after its checks: the facts of a valid record, or why it is refused. */
type Checked = { entry: LogEntry; facts: RecordFacts; fault?: undefined } | { entry: LogEntry; fault: IngestError }

export interface EventLogOptions {
  /** Accept only events whose epoch lies in this range, if given. */
  epochs?: () => { min: bigint; max: bigint }
  ed25519?: Ed25519Backend
  /** Validates batches elsewhere; without it each event is checked on the calling thread. */
  validator?: BatchValidator
}

/** The replica id an entry must carry: the author's, for the event's epoch. */
export function originOf(event: Event): Bytes32 {
  return recordOrigin({ kind: 'event', id: event.eventId, event })
}

export class EventLog {
  private authoring: Promise<unknown> = Promise.resolve()

  constructor(
    readonly world: Bytes32,
    readonly store: EventStore,
    private readonly options: EventLogOptions = {},
  ) {}

  /**
   * Validate and store received entries. Duplicates (already stored) are
   * counted, not re-validated; every other failure is a typed rejection and
   * nothing of a rejected entry is stored.
   */
  async ingest(entries: readonly LogEntry[]): Promise<IngestResult> {
    return this.commit(await this.prepare(entries))
  }

  /**
   * The first half of `ingest`: decode and validate, storing nothing. Lets a
   * caller validate the next batch while the previous one is being written.
   */
  async prepare(entries: readonly LogEntry[]): Promise<PreparedBatch> {
    await blake3Ready()
    const rejected: IngestError[] = []
    const sized = entries.filter((entry) => {
      if (entry.event.length <= MAX_EVENT_BYTES) return true
      rejected.push(new IngestError('too-large', `record of ${entry.event.length} bytes exceeds ${MAX_EVENT_BYTES}`))
      return false
    })
    const validator = this.options.validator
    const checked = validator && sized.length > 1 ? await this.checkElsewhere(validator, sized) : await this.checkHere(sized)
    // What was not checked was found stored already.
    let duplicates = sized.length - checked.length
    const accepted: StoredEntry[] = []
    const seen = new Set<string>()
    for (const item of checked) {
      if (item.fault) {
        rejected.push(item.fault)
        continue
      }
      const { entry, facts } = item
      const key = toHex(facts.id)
      if (seen.has(key)) duplicates++
      else {
        seen.add(key)
        accepted.push({ replicaId: entry.replicaId, seq: entry.seq, eventId: facts.id, event: entry.event })
      }
    }
    return { accepted, duplicates, rejected }
  }

  /** The second half of `ingest`: store what `prepare` accepted. */
  async commit(batch: PreparedBatch, options: AppendOptions = {}): Promise<IngestResult> {
    const added = await this.store.append(batch.accepted, options)
    return { added, duplicates: batch.duplicates + batch.accepted.length - added.length, rejected: batch.rejected }
  }

  /**
   * A batch checked by the validator, which decodes each record once and
   * returns its id and origin with the verdict. A sync batch holds what this
   * peer asked for and lacked, so no record is looked up first; the store's
   * append still skips anything known or in a taken slot.
   */
  private async checkElsewhere(validator: BatchValidator, entries: readonly LogEntry[]): Promise<Checked[]> {
    const verdicts = await validator.validate(
      entries.map((entry) => entry.event),
      this.context(),
    )
    return entries.map((entry, i) => {
      const fault = verdicts.faults[i]
      return fault ? { entry, fault: new IngestError(fault.code, fault.message) } : this.checkSlot(entry, recordFacts(verdicts, i), undefined)
    })
  }

  /** A batch checked on this thread, malformed records first; records already stored are left out. */
  private async checkHere(entries: readonly LogEntry[]): Promise<Checked[]> {
    const malformed: Checked[] = []
    const decoded: { entry: LogEntry; record: LogRecord }[] = []
    for (const entry of entries) {
      try {
        decoded.push({ entry, record: decodeLogRecord(entry.event) })
      } catch (e) {
        if (!(e instanceof CanonError)) throw e
        malformed.push({ entry, fault: new IngestError('malformed', e.message) })
      }
    }
    // A pushed event is often known already: one read spares its signature check.
    const found: SlotLookup[] =
      decoded.length === 1
        ? await this.store.lookup(decoded.map(({ entry, record }) => ({ eventId: record.id, replicaId: entry.replicaId, seq: entry.seq })))
        : decoded.map(() => ({ stored: false, slotHolder: undefined }))
    const fresh = decoded.flatMap(({ entry, record }, i) => (found[i]!.stored ? [] : [{ entry, record, slotHolder: found[i]!.slotHolder }]))
    const context = { ...this.context(), ...(this.options.ed25519 ? { ed25519: this.options.ed25519 } : {}) }
    // Concurrent, so a WebCrypto backend may overlap the checks.
    const faults = await Promise.all(fresh.map(({ entry, record }) => validateDecodedRecord(record, entry.event, context)))
    const originOf = batchOrigins()
    return malformed.concat(
      fresh.map(({ entry, record, slotHolder }, i) => {
        const fault = faults[i]
        return fault ? { entry, fault: new IngestError(fault.code, fault.message) } : this.checkSlot(entry, { id: record.id, origin: originOf(record) }, slotHolder)
      }),
    )
  }

  private context(): { world: Bytes32; epochs?: { min: bigint; max: bigint } } {
    return { world: this.world, ...(this.options.epochs ? { epochs: this.options.epochs() } : {}) }
  }

  /** What validation of the record alone cannot see: whether it sits in the right origin slot. */
  private checkSlot(entry: LogEntry, facts: RecordFacts, slotHolder: Bytes32 | undefined): Checked {
    const refuse = (fault: IngestError): Checked => ({ entry, fault })
    if (!equalBytes(facts.origin, entry.replicaId)) return refuse(new IngestError('wrong-origin', 'entry is not labelled with its author’s replica id'))
    if (entry.seq < 1n) return refuse(new IngestError('bad-seq', 'sequence numbers start at 1'))
    if (slotHolder && !equalBytes(slotHolder, facts.id)) return refuse(new IngestError('seq-conflict', `origin slot ${entry.seq} already holds another event`))
    return { entry, facts }
  }

  /**
   * Append an event this peer authored, in the next slot of its origin;
   * returns the entry to gossip. Calls are serialised, so concurrent
   * publications take consecutive slots.
   */
  author(event: Event): Promise<StoredEntry> {
    return this.authorRecord(encodeEvent(event))
  }

  /** `author` for record bytes: a plain event's encoding, or a sealed record this peer made. */
  authorRecord(record: Uint8Array): Promise<StoredEntry> {
    const run = this.authoring.then(() => this.authorNow(record))
    this.authoring = run.catch(() => undefined)
    return run
  }

  private async authorNow(bytes: Uint8Array): Promise<StoredEntry> {
    await blake3Ready()
    let replicaId: Bytes32
    try {
      replicaId = recordOrigin(decodeLogRecord(bytes))
    } catch (e) {
      if (e instanceof CanonError) throw new IngestError('malformed', e.message)
      throw e
    }
    // Own records fill their origin without holes, so its counter is the last seq.
    const mine = (await this.store.versionVector()).find((v) => equalBytes(v.replicaId, replicaId))
    const entry: LogEntry = { replicaId, seq: (mine?.counter ?? 0n) + 1n, event: bytes }
    const { added, rejected } = await this.ingest([entry])
    if (added.length !== 1) {
      throw rejected[0] ?? new IngestError('seq-conflict', 'the record is already in the log')
    }
    return added[0]!
  }
}
