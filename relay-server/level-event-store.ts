/**
 * The relay's durable `EventStore` on LevelDB (classic-level). An append
 * resolves after its batch is written to LevelDB's log, so an acknowledged
 * event survives the process being killed (`fsync: true` also survives a
 * machine crash, at a cost). Appends are serialised, so the slot and
 * duplicate checks of one batch never race another's.
 *
 * Keys (binary): `e|eventId` → `replicaId | seq (u64 BE) | event`;
 * `s|replicaId|seq (u64 BE)` → eventId; `c|replicaId` → contiguous counter (u64 BE); `n` → count (u64 BE);
 * `p|eventId` → empty, for each control-plane record, and `d|eventId` → empty, for each descriptor
 * (so either is found without reading the log: a router needs the first, a gateway only the second);
 * `v` → layout version (u64 BE). Layout 1 had only the descriptor marks; layout 2 only the control-plane ones.
 */
import { ClassicLevel } from 'classic-level'
import { be64, compareBytes, concatBytes, isControlPlaneRecord, isDescriptorEvent, readBe64, toHex, type Bytes32, type EventStore, type SlotLookup, type SlotProbe, type StoredEntry, type VersionVectorEntry } from '../core/index.js'

const E = 0x65 // 'e'
const S = 0x73 // 's'
const C = 0x63 // 'c'
const P = 0x70 // 'p'
const D = 0x64 // 'd'
const COUNT_KEY = new Uint8Array([0x6e]) // 'n'
const LAYOUT_KEY = new Uint8Array([0x76]) // 'v'
const LAYOUT = 3n


/** classic-level hands out Buffers; the store's contract is plain Uint8Arrays. */
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b)

const eventKey = (id: Bytes32) => concatBytes(new Uint8Array([E]), id)
const slotKey = (replicaId: Bytes32, seq: bigint) => concatBytes(new Uint8Array([S]), replicaId, be64(seq))
const counterKey = (replicaId: Bytes32) => concatBytes(new Uint8Array([C]), replicaId)
const NO_VALUE = new Uint8Array(0)

/** The index marks of one record: control-plane (`p|`) and descriptor (`d|`), where they apply. */
function marks(id: Bytes32, event: Uint8Array): { type: 'put'; key: Uint8Array; value: Uint8Array }[] {
  if (!isControlPlaneRecord(event)) return []
  const control = { type: 'put' as const, key: concatBytes(new Uint8Array([P]), id), value: NO_VALUE }
  return isDescriptorEvent(event) ? [control, { type: 'put', key: concatBytes(new Uint8Array([D]), id), value: NO_VALUE }] : [control]
}

/** Bring an older layout to this one in one batch: every record gets the marks it lacks. */
async function upgradeLayout(db: Db): Promise<void> {
  const stored = await db.get(LAYOUT_KEY)
  if (stored && readBe64(stored) >= LAYOUT) return
  const ops: { type: 'put'; key: Uint8Array; value: Uint8Array }[] = []
  // `e|eventId` → replicaId (32) | seq (8) | event
  for await (const [key, value] of db.iterator({ gte: new Uint8Array([E]), lt: new Uint8Array([E + 1]) })) ops.push(...marks(key.subarray(1), value.subarray(40)))
  ops.push({ type: 'put', key: LAYOUT_KEY, value: be64(LAYOUT) })
  await db.batch(ops, { sync: true })
}

export interface LevelEventStoreOptions {
  /** fsync every batch (survives power loss, not only process death). */
  fsync?: boolean
}

type Db = ClassicLevel<Uint8Array, Uint8Array>

export class LevelEventStore implements EventStore {
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(
    private readonly db: Db,
    private readonly fsync: boolean,
  ) {}

  static async open(path: string, options: LevelEventStoreOptions = {}): Promise<LevelEventStore> {
    const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.open()
    await upgradeLayout(db)
    return new LevelEventStore(db, options.fsync ?? false)
  }

  close(): Promise<void> {
    return this.db.close()
  }

  async controlPlaneRecords(visit: (record: Uint8Array) => void): Promise<void> {
    return this.marked(P, visit)
  }

  /** Calls `visit` with every stored descriptor event: all a gateway's provider directory needs, without the evidence. */
  async descriptorEvents(visit: (event: Uint8Array) => void): Promise<void> {
    return this.marked(D, visit)
  }

  private async marked(prefix: number, visit: (record: Uint8Array) => void): Promise<void> {
    const ids = await this.db.keys({ gte: new Uint8Array([prefix]), lt: new Uint8Array([prefix + 1]) }).all()
    const values = await this.db.getMany(ids.map((mark) => concatBytes(new Uint8Array([E]), mark.subarray(1))))
    // `e|eventId` → replicaId (32) | seq (8) | event
    for (const value of values) if (value) visit(plain(value.subarray(40)))
  }

  append(entries: readonly StoredEntry[]): Promise<StoredEntry[]> {
    const run = this.queue.then(() => this.appendNow(entries))
    this.queue = run.catch(() => undefined)
    return run
  }

  private async appendNow(entries: readonly StoredEntry[]): Promise<StoredEntry[]> {
    if (entries.length === 0) return []
    const existing = await this.db.getMany(entries.flatMap((e) => [eventKey(e.eventId), slotKey(e.replicaId, e.seq)]))
    const taken = new Set<string>()
    const added: StoredEntry[] = []
    const ops: { type: 'put'; key: Uint8Array; value: Uint8Array }[] = []
    entries.forEach((e, i) => {
      const id = toHex(e.eventId)
      const slot = `${toHex(e.replicaId)}:${e.seq}`
      if (existing[2 * i] !== undefined || existing[2 * i + 1] !== undefined || taken.has(id) || taken.has(slot)) return
      taken.add(id).add(slot)
      const copy = { ...e, event: e.event.slice() }
      added.push(copy)
      ops.push({ type: 'put', key: eventKey(e.eventId), value: concatBytes(e.replicaId, be64(e.seq), e.event) })
      ops.push({ type: 'put', key: slotKey(e.replicaId, e.seq), value: e.eventId })
      ops.push(...marks(e.eventId, e.event))
    })
    if (added.length === 0) return []
    const origins = new Map(added.map((e) => [toHex(e.replicaId), e.replicaId]))
    for (const replicaId of origins.values()) {
      const stored = await this.db.get(counterKey(replicaId))
      let counter = stored ? readBe64(stored) : 0n
      const has = async (seq: bigint) =>
        taken.has(`${toHex(replicaId)}:${seq}`) || (await this.db.get(slotKey(replicaId, seq))) !== undefined
      while (await has(counter + 1n)) counter++
      ops.push({ type: 'put', key: counterKey(replicaId), value: be64(counter) })
    }
    ops.push({ type: 'put', key: COUNT_KEY, value: be64(BigInt((await this.count()) + added.length)) })
    await this.db.batch(ops, { sync: this.fsync })
    return added
  }

  async has(eventId: Bytes32): Promise<boolean> {
    return (await this.db.get(eventKey(eventId))) !== undefined
  }

  async lookup(probes: readonly SlotProbe[]): Promise<SlotLookup[]> {
    if (probes.length === 0) return []
    const found = await this.db.getMany(probes.flatMap((p) => [eventKey(p.eventId), slotKey(p.replicaId, p.seq)]))
    return probes.map((_, i) => {
      const holder = found[2 * i + 1]
      return { stored: found[2 * i] !== undefined, slotHolder: holder === undefined ? undefined : plain(holder) }
    })
  }

  async slot(replicaId: Bytes32, seq: bigint): Promise<Bytes32 | undefined> {
    const id = await this.db.get(slotKey(replicaId, seq))
    return id === undefined ? undefined : plain(id)
  }

  async versionVector(): Promise<VersionVectorEntry[]> {
    const out: VersionVectorEntry[] = []
    for await (const [key, value] of this.db.iterator({ gt: new Uint8Array([C]), lt: new Uint8Array([C + 1]) })) {
      const counter = readBe64(value)
      if (counter > 0n) out.push({ replicaId: plain(key.subarray(1)), counter })
    }
    return out.sort((a, b) => compareBytes(a.replicaId, b.replicaId))
  }

  async entriesAfter(replicaId: Bytes32, after: bigint, limit: number): Promise<StoredEntry[]> {
    if (limit <= 0) return []
    const ids: Uint8Array[] = []
    const range = {
      gt: slotKey(replicaId, after),
      lt: concatBytes(new Uint8Array([S]), replicaId, new Uint8Array(8).fill(0xff)),
      limit,
    }
    for await (const value of this.db.values(range)) ids.push(value)
    const values = await this.db.getMany(ids.map(eventKey))
    return values.map((v, i) => ({
      replicaId: plain(v!.subarray(0, 32)),
      seq: readBe64(v!, 32),
      eventId: plain(ids[i]!),
      event: plain(v!.subarray(40)),
    }))
  }

  async count(): Promise<number> {
    const stored = await this.db.get(COUNT_KEY)
    return stored ? Number(readBe64(stored)) : 0
  }
}
