import { beforeAll, describe, expect, it } from 'vitest'
import {
  createEvent,
  EventLog,
  encodeEvent,
  encodeFrame,
  encodeLogEntry,
  encodeSyncBatch,
  encodeSyncRequest,
  MemoryEventStore,
  originOf,
  Replica,
  ReplicaSettingsError,
  signAttestation,
  signRuleEndorsement,
  createSigner,
  decodeFrame,
  decodeSyncRequest,
  decodeSyncBatch,
  type AppendOptions,
  type ReplicaSettings,
  type BatchValidator,
  validateRecordsBytes,
  type Event,
} from '../../core/index.js'
import { fixture, seed, type Fixture } from './fixtures.js'

let f: Fixture
beforeAll(async () => {
  f = await fixture()
})

/** Two replicas wired back to back with synchronous delivery, recording frames. */
function pair() {
  const stores = [new MemoryEventStore(), new MemoryEventStore()]
  const sent: { to: string; frame: Uint8Array }[] = []
  const replicas: Replica[] = []
  for (const [i, name] of ['a', 'b'].entries()) {
    const other = i === 0 ? 'b' : 'a'
    replicas.push(
      new Replica(new EventLog(f.world.id, stores[i]!), { send: (to, frame) => sent.push({ to, frame }) }, () => [other]),
    )
    void name
  }
  const deliver = async () => {
    while (sent.length) {
      const { to, frame } = sent.shift()!
      const receiver = replicas[to === 'a' ? 0 : 1]!
      await receiver.receive(to === 'a' ? 'b' : 'a', frame)
      await receiver.settled()
    }
  }
  return { replicas, stores, deliver }
}

async function attestations(count: number): Promise<Event[]> {
  const events: Event[] = []
  for (let i = 0; i < count; i++) {
    const attestation = await signAttestation({ ...f.attestation, challengeId: seed(i), targetFah: undefined }, f.prober)
    events.push(await createEvent({ type: 'attestation', attestation }))
  }
  return events
}

/** A memory store whose appends each wait until the test calls their gate. */
function heldAppends(): { store: MemoryEventStore; gates: (() => void)[] } {
  const gates: (() => void)[] = []
  class HeldStore extends MemoryEventStore {
    override async append(...args: Parameters<MemoryEventStore['append']>) {
      await new Promise<void>((resolve) => gates.push(resolve))
      return super.append(...args)
    }
  }
  return { store: new HeldStore(), gates }
}

/** A server over `source` answering rounds of 4 in batches of 2, and a client over `target`; the test delivers the frames. */
function queuedPair(source: EventLog, target: MemoryEventStore, clientSettings: Partial<ReplicaSettings> = {}) {
  const toServer: Uint8Array[] = []
  const toClient: Uint8Array[] = []
  const server = new Replica(source, { send: (_to, frame) => toClient.push(frame) }, () => [], { maxBatchEntries: 2, maxEntriesPerRound: 4 })
  const client = new Replica(new EventLog(f.world.id, target), { send: (_to, frame) => toServer.push(frame) }, () => [], clientSettings)
  return { server, client, toServer, toClient }
}

describe('event log', () => {
  it('assigns authored events consecutive slots of the author’s origin', async () => {
    const log = new EventLog(f.world.id, new MemoryEventStore())
    const [e1, e2] = await attestations(2)
    expect((await log.author(e1!)).seq).toBe(1n)
    expect((await log.author(e2!)).seq).toBe(2n)
    await expect(log.author(e1!)).rejects.toMatchObject({ code: 'seq-conflict' })
  })

  it('rejects a wrong origin, seq 0 and a taken slot, and stores none of them', async () => {
    const store = new MemoryEventStore()
    const log = new EventLog(f.world.id, store)
    const [e1, e2] = await attestations(2)
    const origin = originOf(e1!)
    const result = await log.ingest([
      { replicaId: seed(1), seq: 1n, event: encodeEvent(e1!) },
      { replicaId: origin, seq: 0n, event: encodeEvent(e1!) },
    ])
    expect(result.rejected.map((r) => r.code)).toEqual(['wrong-origin', 'bad-seq'])
    await log.ingest([{ replicaId: origin, seq: 1n, event: encodeEvent(e1!) }])
    const conflict = await log.ingest([{ replicaId: origin, seq: 1n, event: encodeEvent(e2!) }])
    expect(conflict.rejected.map((r) => r.code)).toEqual(['seq-conflict'])
    expect(await store.count()).toBe(1)
  })
})

describe('replica', () => {
  it('pushes a published event to its neighbour (gossip)', async () => {
    const { replicas, stores, deliver } = pair()
    const [event] = await attestations(1)
    await replicas[0]!.publish(event!)
    await deliver()
    expect(await stores[1]!.has(event!.eventId)).toBe(true)
  })

  it('pulls what it missed in bounded batches (delta sync), with no duplicates', async () => {
    const { replicas, stores, deliver } = pair()
    const events = await attestations(7)
    const lone = new Replica(new EventLog(f.world.id, stores[0]!), { send: () => {} }, () => [], { maxBatchEntries: 3 })
    for (const e of events) await lone.publish(e)
    await replicas[1]!.syncWith('a')
    await deliver()
    expect(await stores[1]!.count()).toBe(7)
    expect(replicas[1]!.metrics.duplicates).toBe(0)
    await replicas[1]!.syncWith('a')
    await deliver()
    expect(replicas[1]!.metrics.eventsAdded).toBe(7)
    expect((await stores[1]!.versionVector())[0]!.counter).toBe(7n)
  })

  it('answers in bounded rounds and the requester keeps asking while rounds bring news', async () => {
    const source = new EventLog(f.world.id, new MemoryEventStore())
    for (const e of await attestations(20)) await source.author(e)
    const target = new MemoryEventStore()
    const queue: { to: string; frame: Uint8Array }[] = []
    const server = new Replica(source, { send: (to, frame) => queue.push({ to, frame }) }, () => [], {
      maxBatchEntries: 4,
      maxEntriesPerRound: 8,
    })
    const client = new Replica(new EventLog(f.world.id, target), { send: (to, frame) => queue.push({ to, frame }) }, () => [])
    await client.syncWith('server')
    let largestResponse = 0
    let response = 0
    while (queue.length) {
      const { to, frame } = queue.shift()!
      if (to === 'server') {
        response = 0
        await server.receive('client', frame)
      } else {
        await client.receive('server', frame)
        largestResponse = Math.max(largestResponse, (response += 1))
      }
    }
    await client.settled()
    expect(await target.count()).toBe(20)
    expect(client.metrics.syncRounds).toBe(4) // 8 + 8 + 4 events, then a round with nothing new
    expect(largestResponse).toBeLessThanOrEqual(3)
  })

  it('asks for the next round as soon as a round’s last batch arrives, from where its batches reach, while they are still being stored', async () => {
    const source = new EventLog(f.world.id, new MemoryEventStore())
    const authored = []
    for (const e of await attestations(10)) authored.push(await source.author(e))
    // Appends wait for the test: the round's batches are in hand, none stored.
    const { store: target, gates: held } = heldAppends()
    const { server, client, toServer, toClient } = queuedPair(source, target)
    await client.syncWith('server')
    await server.receive('client', toServer.shift()!)
    expect(toClient).toHaveLength(2) // 4 entries in batches of 2: the round is cut at the server's limit
    const first = client.receive('server', toClient.shift()!)
    const last = client.receive('server', toClient.shift()!)
    // The next request is out before anything is stored, and asks from slot 4 of the author's origin on.
    await new Promise((r) => setTimeout(r, 10))
    expect(await target.count()).toBe(0)
    expect(toServer).toHaveLength(1)
    expect(decodeSyncRequest(decodeFrame(toServer[0]!).payload).vector).toEqual([{ replicaId: authored[0]!.replicaId, counter: 4n }])
    while (held.length) held.shift()!()
    const release = setInterval(() => held.shift()?.(), 1)
    try {
      await Promise.all([first, last])
      // The rest arrives in more rounds; the last brings nothing and no further request follows it.
      while (toServer.length || toClient.length) {
        if (toServer.length) await server.receive('client', toServer.shift()!)
        else await client.receive('server', toClient.shift()!)
      }
      await client.settled()
    } finally {
      clearInterval(release)
    }
    expect(await target.count()).toBe(10)
    expect(client.metrics.syncRounds).toBe(4) // 4 + 4 + 2, then a round with nothing new
  })

  it('answers a request with at most the requested batch size per frame', async () => {
    const { replicas, stores } = pair()
    const events = await attestations(5)
    const log = new EventLog(f.world.id, stores[0]!)
    for (const e of events) await log.author(e)
    const frames: Uint8Array[] = []
    const server = new Replica(log, { send: (_, frame) => frames.push(frame) }, () => [])
    await server.receive('b', encodeFrame('syncRequest', encodeSyncRequest({ world: f.world.id, vector: [], maxEntries: 2 })))
    expect(frames).toHaveLength(3)
    void replicas
  })

  it('survives malformed, oversized, unknown-version and hostile frames, charging the sender, and keeps serving', async () => {
    const { replicas, stores, deliver } = pair()
    const b = replicas[1]!
    const bad = [
      new Uint8Array([5, 1, 1, 0, 0, 0]), // gossip frame with a truncated entry
      new Uint8Array([3, 9, 1, 0]), // unknown version
      new Uint8Array([0xff, 0xff, 0x7f]), // declares 2 MiB
      encodeFrame('syncRequest', encodeSyncRequest({ world: seed(0x42), vector: [], maxEntries: 5 })),
      encodeFrame('gossip', encodeLogEntry({ replicaId: seed(1), seq: 1n, event: new Uint8Array(20_000) })),
    ]
    for (let i = 0; i < 200; i++) for (const frame of bad) await b.receive('mallory', frame)
    expect(b.penalties.get('mallory')).toBe(1000)
    expect([...b.metrics.rejections.keys()].sort()).toEqual(['frame-too-large', 'rate-limited', 'too-large', 'truncated', 'unknown-version', 'wrong-world'])
    const [event] = await attestations(1)
    await replicas[0]!.publish(event!)
    await deliver()
    expect(await stores[1]!.has(event!.eventId)).toBe(true)
    expect(b.penalties.get('a')).toBeUndefined()
  })

  it('refuses a flood of sync requests beyond the per-peer budget and keeps answering others', async () => {
    let now = 0
    const frames: string[] = []
    const server = new Replica(new EventLog(f.world.id, new MemoryEventStore()), { send: (to) => frames.push(to) }, () => [], { syncRequestsPerSecond: 2, syncRequestBurst: 5 }, () => now)
    const request = encodeFrame('syncRequest', encodeSyncRequest({ world: f.world.id, vector: [], maxEntries: 5 }))
    for (let i = 0; i < 1000; i++) await server.receive('flooder', request)
    expect(frames.filter((to) => to === 'flooder')).toHaveLength(5)
    expect(server.metrics.rejections.get('rate-limited')).toBe(995)
    await server.receive('honest', request)
    expect(frames.at(-1)).toBe('honest')
    now += 1_000 // the budget refills at the configured rate
    await server.receive('flooder', request)
    await server.receive('flooder', request)
    await server.receive('flooder', request)
    expect(frames.filter((to) => to === 'flooder')).toHaveLength(7)
  })

  it('starts no second round with a peer while one is under way, unless it looks lost', async () => {
    let now = 0
    const sent: string[] = []
    const client = new Replica(new EventLog(f.world.id, new MemoryEventStore()), { send: (to) => sent.push(to) }, () => [], { roundTimeoutMs: 10_000 }, () => now)
    await client.syncWith('server')
    await client.syncWith('server')
    await client.syncWith('other')
    expect(sent).toEqual(['server', 'other'])
    now += 10_000
    await client.syncWith('server')
    expect(sent).toEqual(['server', 'other', 'server'])
    await client.receive('server', encodeFrame('syncBatch', encodeSyncBatch({ entries: [], done: true })))
    await client.syncWith('server')
    expect(sent).toHaveLength(4)
  })

  it('refuses sync batches it did not ask for, unverified', async () => {
    const { replicas, stores } = pair()
    const [event] = await attestations(1)
    const entry = { replicaId: originOf(event!), seq: 1n, event: encodeEvent(event!) }
    await replicas[1]!.receive('mallory', encodeFrame('syncBatch', encodeSyncBatch({ entries: [entry, entry], done: true })))
    expect(replicas[1]!.metrics.rejections.get('unsolicited-batch')).toBe(1)
    expect(await stores[1]!.count()).toBe(0)
  })

  it('reads a round a batch at a time, sending each batch before reading the next', async () => {
    const events = await attestations(10)
    const reads: { limit: number; sentBefore: number }[] = []
    const sent: Uint8Array[] = []
    /** Records each read's size and how many frames had gone out when it was made. */
    class RecordingStore extends MemoryEventStore {
      override async entriesAfter(...args: Parameters<MemoryEventStore['entriesAfter']>) {
        reads.push({ limit: args[2], sentBefore: sent.length })
        return super.entriesAfter(...args)
      }
    }
    const source = new EventLog(f.world.id, new RecordingStore())
    for (const e of events) await source.author(e)
    const server = new Replica(source, { send: (_to, frame) => sent.push(frame) }, () => [], { maxBatchEntries: 4, maxEntriesPerRound: 12 })
    await server.receive('client', encodeFrame('syncRequest', encodeSyncRequest({ world: f.world.id, vector: [], maxEntries: 4 })))
    expect(reads).toEqual([
      { limit: 4, sentBefore: 0 },
      { limit: 4, sentBefore: 1 },
      { limit: 2, sentBefore: 2 },
    ])
    const batches = sent.map((frame) => decodeSyncBatch(decodeFrame(frame).payload))
    expect(batches.map((b) => b.entries.map((e) => e.seq))).toEqual([[1n, 2n, 3n, 4n], [5n, 6n, 7n, 8n], [9n, 10n]])
    expect(batches.map((b) => b.done)).toEqual([false, false, true])
  })

  it('keeps a round registered from its last batch until the next request is out, so anti-entropy meanwhile starts no second one', async () => {
    const source = new EventLog(f.world.id, new MemoryEventStore())
    const authored = []
    for (const e of await attestations(6)) authored.push(await source.author(e))
    const vectorGates: (() => void)[] = []
    /** Reading the version vector waits for the test once armed: the gap between a round's end and the next request. */
    class SlowVectorStore extends MemoryEventStore {
      armed = false
      override async versionVector() {
        if (this.armed) await new Promise<void>((resolve) => vectorGates.push(resolve))
        return super.versionVector()
      }
    }
    const target = new SlowVectorStore()
    const { server, client, toServer, toClient } = queuedPair(source, target)
    await client.syncWith('server')
    await server.receive('client', toServer.shift()!)
    target.armed = true
    await client.receive('server', toClient.shift()!)
    const last = client.receive('server', toClient.shift()!) // the round's last batch: the next request waits for the vector
    await new Promise((r) => setTimeout(r, 5))
    expect(vectorGates).toHaveLength(1)
    await client.syncWith('server') // an anti-entropy tick in the gap
    expect(vectorGates).toHaveLength(1)
    expect(toServer).toHaveLength(0)
    vectorGates.shift()!()
    await last
    expect(toServer).toHaveLength(1)
    expect(decodeSyncRequest(decodeFrame(toServer[0]!).payload).vector).toEqual([{ replicaId: authored[0]!.replicaId, counter: 4n }])
    expect(client.metrics.syncRounds).toBe(2)
  })

  it('reads on while earlier batches are stored, and holds the sender back once more than a round’s entries wait for the store', async () => {
    const source = new EventLog(f.world.id, new MemoryEventStore())
    for (const e of await attestations(8)) await source.author(e)
    const { store: target, gates: appendGates } = heldAppends()
    const { server, client, toServer, toClient } = queuedPair(source, target, { maxBatchEntries: 2, maxEntriesPerRound: 4 })
    await client.syncWith('server')
    await server.receive('client', toServer.shift()!)
    // Round one: the first batch goes to the store (held open), the second waits in hand; both frames are taken at once.
    await client.receive('server', toClient.shift()!)
    while (appendGates.length === 0) await new Promise((r) => setTimeout(r, 1))
    await client.receive('server', toClient.shift()!)
    await server.receive('client', toServer.shift()!)
    expect(toClient).toHaveLength(2)
    await client.receive('server', toClient.shift()!) // 4 entries in hand: not more than a round's
    let lastTaken = false
    const last = client.receive('server', toClient.shift()!).then(() => (lastTaken = true)) // 6 in hand: held back
    await new Promise((r) => setTimeout(r, 5))
    expect(lastTaken).toBe(false)
    expect(await target.count()).toBe(0)
    appendGates.shift()!() // the first append ends; the write loop takes everything in hand into the next one
    await last
    const release = setInterval(() => appendGates.shift()?.(), 1)
    try {
      await client.settled()
    } finally {
      clearInterval(release)
    }
    expect(await target.count()).toBe(8)
  })

  it('merges batches that queued behind a slow write into one append, crediting each event to its sender', async () => {
    const events = await attestations(12)
    const source = new EventLog(f.world.id, new MemoryEventStore())
    for (const e of events) await source.author(e)
    /** A store whose appends finish only when the test says so. */
    class GatedStore extends MemoryEventStore {
      readonly appends: number[] = []
      readonly gates: (() => void)[] = []
      override async append(entries: Parameters<MemoryEventStore['append']>[0]) {
        this.appends.push(entries.length)
        await new Promise<void>((resolve) => this.gates.push(resolve))
        return super.append(entries)
      }
    }
    const slow = new GatedStore()
    const frames: Uint8Array[] = []
    const server = new Replica(source, { send: (_to, frame) => frames.push(frame) }, () => [])
    const client = new Replica(new EventLog(f.world.id, slow), { send: () => {} }, () => [], { maxBatchEntries: 3 })
    await client.syncWith('server')
    await server.receive('client', encodeFrame('syncRequest', encodeSyncRequest({ world: f.world.id, vector: [], maxEntries: 3 })))
    expect(frames).toHaveLength(4)
    // All four batches arrive while the first write is held open.
    for (const frame of frames) await client.receive('server', frame)
    let settled = false
    const done = client.settled().then(() => (settled = true))
    while (!settled) {
      await new Promise((r) => setTimeout(r, 5))
      slow.gates.shift()?.()
    }
    await done
    // Batches checked while a write was held open went into one append: whole batches, fewer appends than batches.
    expect(slow.appends.every((n) => n % 3 === 0)).toBe(true)
    expect(slow.appends.length).toBeLessThan(4)
    expect(slow.appends.reduce((a, b) => a + b)).toBe(12)
    expect(await slow.count()).toBe(12)
    expect(client.metrics.eventsAdded).toBe(12)
    expect(client.metrics.duplicates).toBe(0)
  })

  it('marks sync batches as replicated when storing them, and its own and pushed events not', async () => {
    const [pushed, ...synced] = await attestations(3)
    const other = await createSigner(seed(77))
    const own = await createEvent({ type: 'ruleEndorsement', ruleEndorsement: await signRuleEndorsement({ world: f.world.id, epochId: f.epochId, ruleBundleHash: f.world.ruleBundleHash, weight: 1 }, other) })
    /** Records each append's options. */
    class RecordingStore extends MemoryEventStore {
      readonly appends: (AppendOptions | undefined)[] = []
      override async append(entries: Parameters<MemoryEventStore['append']>[0], options?: AppendOptions) {
        this.appends.push(options)
        return super.append(entries)
      }
    }
    // One author: the pushed event takes slot 1 of its origin, the synced ones 2 and 3.
    const source = new EventLog(f.world.id, new MemoryEventStore())
    const pushedEntry = await source.author(pushed!)
    for (const e of synced) await source.author(e)
    const store = new RecordingStore()
    const sent: { to: string; frame: Uint8Array }[] = []
    const server = new Replica(source, { send: (to, frame) => sent.push({ to, frame }) }, () => [])
    const client = new Replica(new EventLog(f.world.id, store), { send: (to, frame) => sent.push({ to, frame }) }, () => ['server'])
    await client.publish(own)
    sent.length = 0
    await client.receive('server', encodeFrame('gossip', encodeLogEntry(pushedEntry)))
    await client.syncWith('server')
    while (sent.length) {
      const { to, frame } = sent.shift()!
      await (to === 'server' ? server.receive('client', frame) : client.receive('server', frame))
    }
    await client.settled()
    expect(await store.count()).toBe(4)
    const replicated = store.appends.map((o) => o?.replicated ?? false)
    expect(replicated.slice(0, 2)).toEqual([false, false])
    expect(replicated.slice(2).length).toBeGreaterThan(0)
    expect(replicated.slice(2).every(Boolean)).toBe(true)
  })

  it('takes verdicts from a batch validator when it has one, and still checks origin slots itself', async () => {
    const [good, forged] = await attestations(2)
    const calls: number[] = []
    const log = new EventLog(f.world.id, new MemoryEventStore(), {
      validator: {
        async validate(batch, options) {
          calls.push(batch.length)
          const verdicts = await validateRecordsBytes(batch, options)
          return { ...verdicts, faults: verdicts.faults.map((fault, i) => (i === 1 ? { code: 'bad-signature' as const, message: 'forged' } : fault)) }
        },
      },
    })
    const result = await log.ingest([
      { replicaId: originOf(good!), seq: 1n, event: encodeEvent(good!) },
      { replicaId: originOf(forged!), seq: 2n, event: encodeEvent(forged!) },
      { replicaId: seed(9), seq: 3n, event: encodeEvent(forged!) },
    ])
    expect(calls).toEqual([3])
    expect(result.added).toHaveLength(1)
    expect(result.rejected.map((r) => r.code)).toEqual(['bad-signature', 'wrong-origin'])
  })

  it('validates up to maxBatchesValidating sync batches at once, stores them in arrival order, and counts a failed validation as its own', async () => {
    const events = await attestations(10)
    const source = new EventLog(f.world.id, new MemoryEventStore())
    for (const e of events) await source.author(e)
    /** Holds each batch's verdicts until the test releases it; the third batch's validation fails. */
    const held: { release: () => void; size: number }[] = []
    let started = 0
    const validator: BatchValidator = {
      validate(batch, options) {
        const index = started++
        return new Promise((resolve, reject) => {
          held.push({ size: batch.length, release: () => (index === 2 ? reject(new Error('validator lost')) : resolve(validateRecordsBytes(batch, options))) })
        })
      },
    }
    const store = new MemoryEventStore()
    const frames: Uint8Array[] = []
    const server = new Replica(source, { send: (_to, frame) => frames.push(frame) }, () => [])
    const client = new Replica(new EventLog(f.world.id, store, { validator }), { send: () => {} }, () => [], { maxBatchEntries: 2, maxBatchesValidating: 2 })
    await client.syncWith('server')
    await server.receive('client', encodeFrame('syncRequest', encodeSyncRequest({ world: f.world.id, vector: [], maxEntries: 2 })))
    expect(frames).toHaveLength(5) // five batches of two, the last marked done
    // The first frame returns while its batch is still being validated; the second must wait for a free slot.
    await client.receive('server', frames[0]!)
    let secondReturned = false
    const second = client.receive('server', frames[1]!).then(() => (secondReturned = true))
    await new Promise((r) => setTimeout(r, 5))
    expect(held.map((h) => h.size)).toEqual([2, 2])
    expect(secondReturned).toBe(false)
    // Released out of order: the second batch is checked first but stored only after the first.
    held[1]!.release()
    await second
    expect(await store.count()).toBe(0)
    held[0]!.release()
    let rest: Promise<unknown> = Promise.resolve()
    for (const frame of frames.slice(2)) rest = rest.then(() => client.receive('server', frame))
    while (held.length < 5) {
      await new Promise((r) => setTimeout(r, 1))
      for (const h of held.slice(2)) h.release()
    }
    for (const h of held) h.release()
    await rest
    await client.settled()
    const stored = await store.entriesAfter(originOf(events[0]!), 0n, 20)
    // The third batch (seqs 5 and 6) failed validation here: not stored, not charged to the sender.
    expect(stored.map((e) => e.seq)).toEqual([1n, 2n, 3n, 4n, 7n, 8n, 9n, 10n])
    expect(client.metrics.storeFailures).toBe(1)
    expect(client.penalties.get('server') ?? 0).toBe(0)
  })

  it('validates its settings', () => {
    for (const bad of [{ maxBatchEntries: 0 }, { maxBatchesValidating: 0 }, { maxBatchesValidating: 1.5 }]) {
      expect(() => new Replica(new EventLog(f.world.id, new MemoryEventStore()), { send: () => {} }, () => [], bad)).toThrow(ReplicaSettingsError)
    }
  })
})
