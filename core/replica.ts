/**
 * The gossip and delta-sync protocol of one peer, independent of transport:
 * the simulator drives it over simulated links, the browser and the relay
 * over libp2p. Every inbound frame is handled without throwing; failures are
 * counted by reason and charged to the sending peer.
 */
import { compareBytes, toHex } from './bytes.js'
import { CanonError } from './canonical.js'
import { TerrainError } from './errors.js'
import { EventLog, type IngestResult, type PreparedBatch } from './event-log.js'
import { decodeFrame, encodeFrame, FrameError, MAX_FRAME_BYTES } from './frames.js'
import { encodeEvent } from './structs.js'
import {
  decodeLogEntry,
  decodeSyncBatch,
  decodeSyncRequest,
  encodeLogEntry,
  encodeSyncBatch,
  encodeSyncRequest,
  type LogEntry,
  type SyncBatch,
  type SyncRequest,
} from './sync-messages.js'
import type { Event, VersionVectorEntry } from './types.js'

/** Sends whole frames to peers; delivery may fail silently (the protocol heals by anti-entropy). */
export interface FrameTransport {
  send(peer: string, frame: Uint8Array): void
}

/**
 * Neighbour name hosts give the pubsub topic when pubsub does the forwarding
 * (`forwardGossip: false`): a published event is sent to it once and the
 * host publishes the frame on the topic. No peer id has this form.
 */
export const PUBSUB_NEIGHBOUR = 'pubsub'

export interface ReplicaSettings {
  /** Most entries in one sync batch. */
  maxBatchEntries: number
  /**
   * Sync batches validated at once. A validator with threads of its own
   * checks one batch while this thread decodes the next and stores the one
   * before; the sender's next frame waits while this many are in hand.
   */
  maxBatchesValidating: number
  /**
   * Most entries in one sync response. A requester that gained events from a
   * round asks again at once, so a long log arrives in bounded rounds.
   */
  maxEntriesPerRound: number
  /** Whether to forward newly stored gossip to neighbours (off where pubsub forwards). */
  forwardGossip: boolean
  /**
   * Sync requests a peer may make per second, on average (a request makes
   * this peer read its log and answer). Excess requests are refused as
   * `rate-limited` and charged to the peer.
   */
  syncRequestsPerSecond: number
  /** Sync requests a peer may make in a burst. */
  syncRequestBurst: number
  /** A sync round that shows no life for this long (ms) is taken as lost, and a new one may start. */
  roundTimeoutMs: number
}

export const defaultReplicaSettings: Readonly<ReplicaSettings> = Object.freeze({
  maxBatchEntries: 512,
  maxBatchesValidating: 3,
  maxEntriesPerRound: 8192,
  forwardGossip: true,
  syncRequestsPerSecond: 5,
  syncRequestBurst: 20,
  roundTimeoutMs: 15_000,
})

export class ReplicaSettingsError extends TerrainError {
  declare readonly code: 'invalid-setting'
  constructor(
    readonly field: keyof ReplicaSettings,
    detail: string,
  ) {
    super('invalid-setting', `replica setting ${field}: ${detail}`)
  }
}

export function validateReplicaSettings(s: ReplicaSettings): ReplicaSettings {
  if (!Number.isInteger(s.maxBatchEntries) || s.maxBatchEntries < 1 || s.maxBatchEntries > 4096) {
    throw new ReplicaSettingsError('maxBatchEntries', 'must be an integer in [1, 4096]')
  }
  if (!Number.isInteger(s.maxBatchesValidating) || s.maxBatchesValidating < 1 || s.maxBatchesValidating > 64) {
    throw new ReplicaSettingsError('maxBatchesValidating', 'must be an integer in [1, 64]')
  }
  if (!Number.isInteger(s.maxEntriesPerRound) || s.maxEntriesPerRound < s.maxBatchEntries) {
    throw new ReplicaSettingsError('maxEntriesPerRound', 'must be an integer ≥ maxBatchEntries')
  }
  if (typeof s.forwardGossip !== 'boolean') throw new ReplicaSettingsError('forwardGossip', 'must be a boolean')
  if (!(s.syncRequestsPerSecond > 0) || !Number.isFinite(s.syncRequestsPerSecond)) {
    throw new ReplicaSettingsError('syncRequestsPerSecond', 'must be a positive number')
  }
  if (!Number.isInteger(s.syncRequestBurst) || s.syncRequestBurst < 1) throw new ReplicaSettingsError('syncRequestBurst', 'must be an integer ≥ 1')
  if (!(s.roundTimeoutMs > 0)) throw new ReplicaSettingsError('roundTimeoutMs', 'must be a positive number of ms')
  return s
}

export interface ReplicaMetrics {
  framesIn: number
  framesOut: number
  bytesIn: number
  bytesOut: number
  syncRounds: number
  eventsAdded: number
  duplicates: number
  /** Sync batches this peer failed to validate or store (its own failure, not the sender's: the next round asks again). */
  storeFailures: number
  rejections: Map<string, number>
}

/** Pubsub verdict: `accept` (new and valid: forward), `ignore` (known), `reject` (bad: penalise the sender). */
export type GossipVerdict = { verdict: 'accept' } | { verdict: 'ignore' } | { verdict: 'reject'; reason: string }

/** Called with every event this replica stores (its id and encoding), with the peer it came from (undefined for its own). */
export type StoredListener = (event: { eventId: Uint8Array; event: Uint8Array; from: string | undefined }) => void

/**
 * A pull round under way with one peer: when it last showed life, how far
 * each origin's slots are filled here, stored or in the round's batches (by
 * hex replica id), and whether the round's batches moved any of it.
 */
interface SyncRound {
  alive: number
  reach: Map<string, VersionVectorEntry>
  advanced: boolean
}

/** A sync batch from `peer` in hand: `checked` settles when validation ends (it is in `validating` until then), leaving `batch` if it succeeded. */
interface BatchInHand {
  peer: string
  /** Entries the batch came with. */
  entries: number
  batch: PreparedBatch | undefined
  checked: Promise<void>
}

export class Replica {
  readonly metrics: ReplicaMetrics = {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    syncRounds: 0,
    eventsAdded: 0,
    duplicates: 0,
    storeFailures: 0,
    rejections: new Map(),
  }
  /** Rejections charged to each peer; a host disconnects peers whose count keeps growing. */
  readonly penalties = new Map<string, number>()
  private readonly settings: ReplicaSettings
  private readonly listeners: StoredListener[] = []
  /** Sync batches being validated or waiting for the store, in arrival order. */
  private readonly inHand: BatchInHand[] = []
  /** Validations under way. */
  private readonly validating = new Set<Promise<void>>()
  /** The write loop, while one runs. */
  private writing: Promise<void> | undefined
  /** Woken each time the write loop takes a group out of `inHand` to store it. */
  private waitingForStore: (() => void)[] = []
  /** Peers with a sync round under way (request sent, last batch not in). */
  private readonly rounds = new Map<string, SyncRound>()

  private readonly requestBudgets = new Map<string, { tokens: number; at: number }>()

  constructor(
    readonly log: EventLog,
    private readonly transport: FrameTransport,
    /** Current neighbours, for forwarding gossip. */
    private readonly neighbours: () => readonly string[],
    settings: Partial<ReplicaSettings> = {},
    /** Clock in ms (the simulator passes its virtual time). */
    private readonly now: () => number = () => Date.now(),
  ) {
    this.settings = validateReplicaSettings({ ...defaultReplicaSettings, ...settings })
  }

  /** Token bucket per peer: true when `peer` may make one more sync request now. */
  private takeRequestToken(peer: string): boolean {
    const { syncRequestsPerSecond: rate, syncRequestBurst: burst } = this.settings
    const now = this.now()
    const budget = this.requestBudgets.get(peer) ?? { tokens: burst, at: now }
    budget.tokens = Math.min(burst, budget.tokens + ((now - budget.at) / 1000) * rate)
    budget.at = now
    this.requestBudgets.set(peer, budget)
    if (budget.tokens < 1) return false
    budget.tokens -= 1
    return true
  }

  onStored(listener: StoredListener): void {
    this.listeners.push(listener)
  }

  /** Store an event this peer authored and push it to every neighbour. */
  publish(event: Event): Promise<LogEntry> {
    return this.publishRecord(encodeEvent(event))
  }

  /** `publish` for record bytes: a plain event's encoding, or a sealed record this peer made. */
  async publishRecord(record: Uint8Array): Promise<LogEntry> {
    const { eventId, ...entry } = await this.log.authorRecord(record)
    this.metrics.eventsAdded++
    for (const l of this.listeners) l({ eventId, event: entry.event, from: undefined })
    const frame = encodeFrame('gossip', encodeLogEntry(entry))
    for (const peer of this.neighbours()) this.send(peer, frame)
    return entry
  }

  /**
   * Start a pull round with `peer`: send our version vector. While a round
   * with the peer is under way another would fetch the same entries again,
   * so it is skipped, unless the pending one looks lost (no answer within
   * `roundTimeoutMs`).
   */
  async syncWith(peer: string): Promise<void> {
    const alive = this.rounds.get(peer)?.alive
    if (alive !== undefined && this.now() - alive < this.settings.roundTimeoutMs) return
    // Taken before the vector is read, so a second call meanwhile does not start another round.
    this.rounds.set(peer, { alive: this.now(), reach: new Map(), advanced: false })
    this.requestRound(peer, await this.log.store.versionVector())
  }

  private requestRound(peer: string, vector: VersionVectorEntry[]): void {
    this.rounds.set(peer, { alive: this.now(), reach: new Map(vector.map((v) => [toHex(v.replicaId), v])), advanced: false })
    const request: SyncRequest = { world: this.log.world, vector, maxEntries: this.settings.maxBatchEntries }
    this.metrics.syncRounds++
    this.send(peer, encodeFrame('syncRequest', encodeSyncRequest(request)))
  }

  /**
   * Resolves once every sync batch in hand is checked and stored (or has
   * failed). `receive` returns before that, so that the next frame can be
   * read while earlier ones are checked and written.
   */
  async settled(): Promise<void> {
    while (this.writing) await this.writing
  }

  /** Handle one inbound frame from `peer`. Never throws for bad input. */
  async receive(peer: string, bytes: Uint8Array): Promise<void> {
    this.countIn(bytes)
    try {
      const frame = decodeFrame(bytes)
      if (frame.kind === 'gossip') await this.onGossip(peer, decodeLogEntry(frame.payload))
      else if (frame.kind === 'syncRequest') {
        if (!this.takeRequestToken(peer)) return this.reject(peer, 'rate-limited')
        await this.onSyncRequest(peer, decodeSyncRequest(frame.payload))
      }
      else await this.onSyncBatch(peer, decodeSyncBatch(frame.payload))
    } catch (e) {
      if (!(e instanceof FrameError || e instanceof CanonError)) throw e
      this.reject(peer, e.code)
    }
  }

  /**
   * The verdict on one pushed message, for pubsub validators (which forward
   * on `accept`): the event is ingested and accounted like any other frame.
   */
  async ingestGossip(peer: string, data: Uint8Array): Promise<GossipVerdict> {
    this.countIn(data)
    let entry: LogEntry
    try {
      const frame = decodeFrame(data)
      if (frame.kind !== 'gossip') return this.verdictReject(peer, 'unexpected-kind')
      entry = decodeLogEntry(frame.payload)
    } catch (e) {
      if (!(e instanceof FrameError || e instanceof CanonError)) throw e
      return this.verdictReject(peer, e.code)
    }
    const result = await this.onGossip(peer, entry)
    if (result.added.length > 0) return { verdict: 'accept' }
    if (result.rejected.length > 0) return { verdict: 'reject', reason: result.rejected[0]!.code }
    return { verdict: 'ignore' }
  }

  private verdictReject(peer: string, reason: string): GossipVerdict {
    this.reject(peer, reason)
    return { verdict: 'reject', reason }
  }

  /** Ingest one pushed entry and, when it was new and this replica forwards, pass it on. */
  private async onGossip(peer: string, entry: LogEntry): Promise<IngestResult> {
    const result = await this.account(peer, await this.log.ingest([entry]))
    if (result.added.length > 0 && this.settings.forwardGossip) {
      const frame = encodeFrame('gossip', encodeLogEntry(entry))
      for (const next of this.neighbours()) if (next !== peer) this.send(next, frame)
    }
    return result
  }

  private async onSyncBatch(peer: string, batch: SyncBatch): Promise<void> {
    // Only answers to our own requests are taken: an unsolicited batch would make us verify at will.
    const round = this.rounds.get(peer)
    if (!round) return this.reject(peer, 'unsolicited-batch')
    round.alive = this.now() // an answer is arriving: the round is alive
    // A responder sends each origin's entries in slot order: those that continue what is filled here move the reach.
    for (const e of batch.entries) {
      const origin = toHex(e.replicaId)
      if (e.seq !== (round.reach.get(origin)?.counter ?? 0n) + 1n) continue
      round.reach.set(origin, { replicaId: e.replicaId, counter: e.seq })
      round.advanced = true
    }
    // Validated in the background, several at once; stored in arrival order by the write loop.
    const held: BatchInHand = { peer, entries: batch.entries.length, batch: undefined, checked: Promise.resolve() }
    held.checked = this.log
      .prepare(batch.entries)
      .then(
        (prepared) => void (held.batch = prepared),
        () => undefined, // left without a batch: counted as this peer's failure when its turn to be stored comes
      )
      .then(() => void this.validating.delete(held.checked))
    this.validating.add(held.checked)
    this.inHand.push(held)
    this.writing ??= this.writeQueued()
    if (batch.done) await this.nextRound(peer, round)
    // Backpressure on the sender: the stream is not read again while too much is being checked or waits to be stored.
    while (this.validating.size >= this.settings.maxBatchesValidating) await Promise.race(this.validating)
    while (this.entriesInHand() > this.settings.maxEntriesPerRound) await new Promise<void>((wake) => this.waitingForStore.push(wake))
  }

  /**
   * A round's last batch is in. A round that brought news may have been cut
   * at the responder's limit: ask again at once, from where its batches
   * reach, while they are still being checked and stored (should some fail,
   * the next anti-entropy round, from the store's own vector, asks for them
   * again). The round stays registered until then, so that anti-entropy
   * does not start one from the store's lagging vector meanwhile and fetch
   * the entries in flight a second time.
   */
  private async nextRound(peer: string, round: SyncRound): Promise<void> {
    let vector: VersionVectorEntry[] | undefined
    try {
      if (round.advanced) vector = mergeVectors(await this.log.store.versionVector(), round.reach.values())
    } finally {
      // Unless anti-entropy replaced the round meanwhile (it looked lost): then that one stands.
      if (this.rounds.get(peer) === round) {
        if (vector) this.requestRound(peer, vector)
        else this.rounds.delete(peer) // nothing new, or the store failed: the round is over
      }
    }
  }

  private entriesInHand(): number {
    let entries = 0
    for (const held of this.inHand) entries += held.entries
    return entries
  }

  /**
   * Store queued batches until none is left. Whatever queued up while one
   * transaction ran goes into the next one together: fewer, larger
   * transactions when the store is the slower side.
   */
  private async writeQueued(): Promise<void> {
    while (this.inHand.length > 0) {
      await this.inHand[0]!.checked
      // The oldest batch is checked; it goes with every batch behind it that is checked too.
      const group: { peer: string; batch: PreparedBatch }[] = []
      for (const next of this.inHand.splice(0, this.checkedPrefix())) {
        if (next.batch) group.push({ peer: next.peer, batch: next.batch })
        else this.metrics.storeFailures++
      }
      for (const wake of this.waitingForStore.splice(0)) wake() // what is in hand went down
      if (group.length === 0) continue
      const merged: PreparedBatch = { accepted: group.flatMap((g) => g.batch.accepted), duplicates: 0, rejected: [] }
      let added: Set<string>
      try {
        added = new Set((await this.log.commit(merged, { replicated: true })).added.map((e) => toHex(e.eventId)))
      } catch {
        // A failed write is this peer's problem, not the senders': counted, not charged; the next round asks again.
        this.metrics.storeFailures++
        continue
      }
      for (const { peer, batch } of group) {
        const mine = batch.accepted.filter((e) => added.has(toHex(e.eventId)))
        await this.account(peer, { added: mine, duplicates: batch.duplicates + batch.accepted.length - mine.length, rejected: batch.rejected })
      }
    }
    this.writing = undefined
  }

  /** How many batches at the head of `inHand` are checked. */
  private checkedPrefix(): number {
    const open = this.inHand.findIndex((held) => this.validating.has(held.checked))
    return open === -1 ? this.inHand.length : open
  }

  private async onSyncRequest(peer: string, request: SyncRequest): Promise<void> {
    if (compareBytes(request.world, this.log.world) !== 0) return this.reject(peer, 'wrong-world')
    const theirs = new Map(request.vector.map((e) => [toHex(e.replicaId), e.counter]))
    const limit = Math.min(request.maxEntries, this.settings.maxBatchEntries)
    let budget = this.settings.maxEntriesPerRound
    let batch: LogEntry[] = []
    let batchBytes = 0
    const flush = (done: boolean) => {
      this.send(peer, encodeFrame('syncBatch', encodeSyncBatch({ entries: batch, done })))
      batch = []
      batchBytes = 0
    }
    for (const mine of await this.log.store.versionVector()) {
      let after = theirs.get(toHex(mine.replicaId)) ?? 0n
      // Every slot up to our counter is filled, so these are exactly the entries after theirs. Read a batch's worth at a
      // time, so the first batch leaves at once instead of after the whole round is read (the requester is idle till then).
      while (after < mine.counter && budget > 0) {
        if (batch.length >= limit) flush(false)
        const missing = await this.log.store.entriesAfter(mine.replicaId, after, Math.min(budget, limit, Number(mine.counter - after)))
        if (missing.length === 0) break
        budget -= missing.length
        after = missing.at(-1)!.seq
        for (const stored of missing) {
          const size = stored.event.length + 64
          if (batch.length >= limit || batchBytes + size > MAX_FRAME_BYTES / 2) flush(false)
          batch.push({ replicaId: stored.replicaId, seq: stored.seq, event: stored.event })
          batchBytes += size
        }
      }
    }
    flush(true)
  }

  private async account(peer: string, result: IngestResult): Promise<IngestResult> {
    this.metrics.eventsAdded += result.added.length
    this.metrics.duplicates += result.duplicates
    for (const r of result.rejected) this.reject(peer, r.code)
    for (const added of result.added) for (const l of this.listeners) l({ eventId: added.eventId, event: added.event, from: peer })
    return result
  }

  private reject(peer: string, reason: string): void {
    this.metrics.rejections.set(reason, (this.metrics.rejections.get(reason) ?? 0) + 1)
    this.penalties.set(peer, (this.penalties.get(peer) ?? 0) + 1)
  }

  private countIn(frame: Uint8Array): void {
    this.metrics.framesIn++
    this.metrics.bytesIn += frame.length
  }

  private send(peer: string, frame: Uint8Array): void {
    this.metrics.framesOut++
    this.metrics.bytesOut += frame.length
    this.transport.send(peer, frame)
  }
}

/** The larger counter of each origin in either vector, in the canonical (replica id) order. */
function mergeVectors(a: Iterable<VersionVectorEntry>, b: Iterable<VersionVectorEntry>): VersionVectorEntry[] {
  const merged = new Map<string, VersionVectorEntry>()
  for (const v of [...a, ...b]) {
    const key = toHex(v.replicaId)
    if ((merged.get(key)?.counter ?? -1n) < v.counter) merged.set(key, v)
  }
  return [...merged.values()].sort((x, y) => compareBytes(x.replicaId, y.replicaId))
}
