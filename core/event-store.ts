/**
 * Storage of the event log, as an interface every backend implements
 * (IndexedDB in workers, an embedded database in the relay, memory here for
 * tests and the simulator). test/acceptance/event-store.ts is the suite each
 * implementation must pass.
 */
import { compareBytes, toHex } from './bytes.js'
import { isControlPlaneRecord } from './events.js'
import type { Bytes32, VersionVectorEntry } from './types.js'

/** An event as stored: its canonical bytes, id and origin slot. */
export interface StoredEntry {
  replicaId: Bytes32
  seq: bigint
  eventId: Bytes32
  event: Uint8Array
}

export interface SlotProbe {
  eventId: Bytes32
  replicaId: Bytes32
  seq: bigint
}

export interface SlotLookup {
  stored: boolean
  slotHolder: Bytes32 | undefined
}

export interface AppendOptions {
  /**
   * The entries are copies of what other peers hold (a sync batch): once
   * the promise resolves they must survive this process's crash, but may be
   * lost with the machine's (no flush to disk), since anti-entropy fetches
   * them again. Never for this peer's own records: losing one could let it
   * fill the same slot twice.
   */
  replicated?: boolean
}

export interface EventStore {
  /**
   * Append in one atomic batch. Entries whose event is already stored, or
   * whose origin slot is already taken, are skipped. Returns those added.
   * Once the promise resolves the entries are durable (see `AppendOptions`).
   */
  append(entries: readonly StoredEntry[], options?: AppendOptions): Promise<StoredEntry[]>
  has(eventId: Bytes32): Promise<boolean>
  /**
   * For each probe, in one read: whether its event is stored and which event
   * holds its origin slot. Lets a batch be checked with one round trip.
   */
  lookup(probes: readonly SlotProbe[]): Promise<SlotLookup[]>
  /** The event id in an origin slot, if any. */
  slot(replicaId: Bytes32, seq: bigint): Promise<Bytes32 | undefined>
  /** Per origin, the highest seq such that every slot 1..seq is filled; sorted by replica id. */
  versionVector(): Promise<VersionVectorEntry[]>
  /** Entries of one origin with seq > `after`, ascending, at most `limit`. */
  entriesAfter(replicaId: Bytes32, after: bigint, limit: number): Promise<StoredEntry[]>
  count(): Promise<number>
  /**
   * Calls `visit` with the bytes of every stored control-plane record
   * (see `isControlPlaneRecord`: descriptors, sealed records, plain
   * evidence), once each, in no set order: what a peer rebuilds its provider
   * directory and its router from at start. Stores keep these apart (an
   * index), so the rest of the log is not read.
   */
  controlPlaneRecords(visit: (record: Uint8Array) => void): Promise<void>
}

interface Origin {
  replicaId: Bytes32
  slots: Map<bigint, StoredEntry>
  contiguous: bigint
}

/** In-memory `EventStore`: durable for the life of the object. */
export class MemoryEventStore implements EventStore {
  private readonly byId = new Map<string, StoredEntry>()
  private readonly origins = new Map<string, Origin>()

  async controlPlaneRecords(visit: (record: Uint8Array) => void): Promise<void> {
    for (const entry of this.byId.values()) if (isControlPlaneRecord(entry.event)) visit(entry.event)
  }

  async append(entries: readonly StoredEntry[]): Promise<StoredEntry[]> {
    const added: StoredEntry[] = []
    for (const entry of entries) {
      const id = toHex(entry.eventId)
      const originKey = toHex(entry.replicaId)
      let origin = this.origins.get(originKey)
      if (this.byId.has(id) || origin?.slots.has(entry.seq)) continue
      if (!origin) {
        origin = { replicaId: entry.replicaId, slots: new Map(), contiguous: 0n }
        this.origins.set(originKey, origin)
      }
      const copy = { ...entry, event: entry.event.slice() }
      this.byId.set(id, copy)
      origin.slots.set(entry.seq, copy)
      while (origin.slots.has(origin.contiguous + 1n)) origin.contiguous++
      added.push(copy)
    }
    return added
  }

  async has(eventId: Bytes32): Promise<boolean> {
    return this.byId.has(toHex(eventId))
  }

  async lookup(probes: readonly SlotProbe[]): Promise<SlotLookup[]> {
    return Promise.all(
      probes.map(async (p) => ({ stored: await this.has(p.eventId), slotHolder: await this.slot(p.replicaId, p.seq) })),
    )
  }

  async slot(replicaId: Bytes32, seq: bigint): Promise<Bytes32 | undefined> {
    return this.origins.get(toHex(replicaId))?.slots.get(seq)?.eventId
  }

  async versionVector(): Promise<VersionVectorEntry[]> {
    return [...this.origins.values()]
      .filter((o) => o.contiguous > 0n)
      .map((o) => ({ replicaId: o.replicaId, counter: o.contiguous }))
      .sort((a, b) => compareBytes(a.replicaId, b.replicaId))
  }

  async entriesAfter(replicaId: Bytes32, after: bigint, limit: number): Promise<StoredEntry[]> {
    const origin = this.origins.get(toHex(replicaId))
    if (!origin) return []
    return [...origin.slots.values()]
      .filter((e) => e.seq > after)
      .sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
      .slice(0, limit)
  }

  async count(): Promise<number> {
    return this.byId.size
  }

  /** Every stored event id, hex (for tests and the simulator's convergence check). */
  eventIds(): string[] {
    return [...this.byId.keys()].sort()
  }
}
