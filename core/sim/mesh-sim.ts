/**
 * Runs many replicas of the real `Replica` (gossip + delta sync + event-log
 * validation) on a `SimNetwork`, publishes signed events, and measures
 * delivery and convergence. Also hosts adversaries that inject tampered,
 * replayed, forged and mislabelled entries.
 */
import { toHex } from '../bytes.js'
import { createSigner, type Signer } from '../signing.js'
import { sampleAttestationEvent } from './sample-events.js'
import { createEvent } from '../events.js'
import { EventLog, originOf } from '../event-log.js'
import { blake3 } from '../hash.js'
import { deriveAttestationId } from '../ids.js'
import type { BehaviorAttestation } from '../types.js'
import { encodeEvent } from '../structs.js'
import { MemoryEventStore } from '../event-store.js'
import { encodeFrame } from '../frames.js'
import { Replica } from '../replica.js'
import { encodeLogEntry, type LogEntry } from '../sync-messages.js'
import { createWorld, type World } from '../world.js'
import { SimNetwork, type LinkModel } from './network.js'

export interface MeshSimOptions {
  seed: number
  replicas: number
  /** Random extra neighbours per replica, on top of a ring that keeps the graph connected. */
  degree: number
  link: LinkModel
  /** Events published by random honest replicas, evenly over `publishPeriodMs`. */
  events: number
  publishPeriodMs: number
  /** Share of replicas offline at any time; the offline set is redrawn every `churnPeriodMs`. */
  churn: number
  churnPeriodMs: number
  /** Random two-way partitions during the publish period, each lasting `partitionMs`. */
  partitions: number
  partitionMs: number
  /** Each replica pulls from a random online neighbour this often. */
  antiEntropyMs: number
  /** Time after the publish period with everyone online and no partition, for anti-entropy to finish. */
  settleMs: number
  /** Replicas that inject bad entries instead of behaving. */
  adversaries: number
}

/** Gossip at scale: 1,000 replicas on 20 ms links, no faults. */
export const gossipScenario: Readonly<MeshSimOptions> = Object.freeze({
  seed: 1,
  replicas: 1000,
  degree: 3,
  link: { latencyMs: 20, jitterMs: 0, loss: 0 },
  events: 20,
  publishPeriodMs: 10_000,
  churn: 0,
  churnPeriodMs: 2_000,
  partitions: 0,
  partitionMs: 0,
  antiEntropyMs: 2_000,
  settleMs: 30_000,
  adversaries: 0,
})

/** Everything going wrong at once: 100 replicas, partitions, 20% churn, 2% loss, adversaries. */
export const faultScenario: Readonly<MeshSimOptions> = Object.freeze({
  ...gossipScenario,
  seed: 7,
  replicas: 100,
  degree: 2,
  link: { latencyMs: 20, jitterMs: 20, loss: 0.02 },
  events: 30,
  publishPeriodMs: 20_000,
  churn: 0.2,
  partitions: 3,
  partitionMs: 4_000,
  antiEntropyMs: 1_000,
  settleMs: 40_000,
  adversaries: 4,
})

export interface MeshSimResult {
  published: number
  /** Delivery latencies (ms) to replicas online from the event's publication until it reached them. */
  gossipLatencies: number[]
  /** Delivery latencies (ms) to replicas that were offline at publication, or went offline before delivery, and caught up. */
  catchUpLatencies: number[]
  /** Virtual time of the last delivery: when the honest replicas had converged. */
  lastDeliveryMs: number
  /** Share of (event, honest replica) pairs delivered by the end of the publish period. */
  deliveredBeforeSettle: number
  /** The same after the settle phase. */
  deliveredFinal: number
  /** Every honest replica holds exactly the published events. */
  converged: boolean
  /** Bad entries injected, and how many honest replicas stored any of them (must be 0). */
  injected: number
  badStored: number
  rejections: Record<string, number>
  framesSent: number
  framesDropped: number
}

interface Node {
  name: string
  replica: Replica
  store: MemoryEventStore
  neighbours: string[]
  signer: Signer
}

export async function runMeshSim(o: MeshSimOptions): Promise<MeshSimResult> {
  const net = new SimNetwork(o.seed, o.link)
  const world = await createWorld('quiet harbor lantern')
  const names = Array.from({ length: o.replicas }, (_, i) => `r${i}`)
  const edges = new Map(names.map((n) => [n, new Set<string>()]))
  const connect = (a: string, b: string) => {
    if (a === b) return
    edges.get(a)!.add(b)
    edges.get(b)!.add(a)
  }
  names.forEach((n, i) => connect(n, names[(i + 1) % names.length]!))
  for (const n of names) for (let k = 0; k < o.degree; k++) connect(n, names[net.randomInt(0, names.length - 1)]!)

  const adversaries = new Set(names.slice(0, o.adversaries))
  const honest = names.filter((n) => !adversaries.has(n))
  const nodes = new Map<string, Node>()
  const publishedAt = new Map<string, number>()
  const onlineAtPublish = new Map<string, Set<string>>()
  /** When each replica last went offline. */
  const lastOffline = new Map<string, number>()
  const gossipLatencies: number[] = []
  const catchUpLatencies: number[] = []
  let lastDeliveryMs = 0
  const deliveredWhilePublishing = new Set<string>()
  let publishing = true

  for (const name of names) {
    const store = new MemoryEventStore()
    const neighbours = [...edges.get(name)!]
    const replica = new Replica(
      new EventLog(world.id, store),
      { send: (to, frame) => net.send(name, to, frame) },
      () => neighbours.filter((p) => net.isOnline(p)),
      {},
      () => net.now,
    )
    const seed = new Uint8Array(32)
    new DataView(seed.buffer).setUint32(0, o.seed)
    new DataView(seed.buffer).setUint32(4, names.indexOf(name) + 1)
    const node: Node = { name, replica, store, neighbours, signer: await createSigner(seed) }
    replica.onStored(({ eventId, from }) => {
      if (from === undefined) return
      const id = toHex(eventId)
      const at = publishedAt.get(id)
      if (at === undefined) return
      // Gossip latency counts receivers online from publication to delivery; the rest caught up.
      const online = onlineAtPublish.get(id)!.has(name) && (lastOffline.get(name) ?? -1) < at
      ;(online ? gossipLatencies : catchUpLatencies).push(net.now - at)
      lastDeliveryMs = net.now
      if (publishing) deliveredWhilePublishing.add(`${id}:${name}`)
    })
    // Each frame is taken in full (checked and stored) before the next: the simulated network's order alone decides a run.
    net.attach(name, async (from, frame) => {
      if (adversaries.has(name)) return
      await replica.receive(from, frame)
      await replica.settled()
    })
    nodes.set(name, node)
  }

  // Publications by random honest replicas.
  for (let i = 0; i < o.events; i++) {
    const at = (o.publishPeriodMs * i) / Math.max(1, o.events)
    const author = nodes.get(honest[net.randomInt(0, honest.length - 1)]!)!
    net.at(at, async () => {
      if (!net.isOnline(author.name)) return
      const event = await sampleAttestationEvent(world.id, author.signer, i)
      publishedAt.set(toHex(event.eventId), net.now)
      onlineAtPublish.set(toHex(event.eventId), new Set(names.filter((n) => net.isOnline(n))))
      await author.replica.publish(event)
    })
  }

  // Anti-entropy: every honest replica pulls from a random online neighbour, jittered.
  const end = o.publishPeriodMs + o.settleMs
  for (const name of honest) {
    const node = nodes.get(name)!
    for (let t = net.random() * o.antiEntropyMs; t < end; t += o.antiEntropyMs) {
      net.at(t, async () => {
        if (!net.isOnline(name)) return
        const online = node.neighbours.filter((p) => net.isOnline(p))
        if (online.length) await node.replica.syncWith(online[net.randomInt(0, online.length - 1)]!)
      })
    }
  }

  // Churn: redraw the offline set; a replica coming back pulls at once.
  if (o.churn > 0) {
    for (let t = 0; t < o.publishPeriodMs; t += o.churnPeriodMs) {
      net.at(t, async () => {
        const wasOffline = new Set(honest.filter((n) => !net.isOnline(n)))
        for (const n of honest) {
          const online = net.random() >= o.churn
          if (!online && net.isOnline(n)) lastOffline.set(n, net.now)
          net.setOnline(n, online)
        }
        for (const n of honest) {
          if (!wasOffline.has(n) || !net.isOnline(n)) continue
          const node = nodes.get(n)!
          const online = node.neighbours.filter((p) => net.isOnline(p))
          if (online.length) await node.replica.syncWith(online[net.randomInt(0, online.length - 1)]!)
        }
      })
    }
  }

  // Partitions: split the replicas in two random halves for a while.
  for (let p = 0; p < o.partitions; p++) {
    const start = net.random() * Math.max(0, o.publishPeriodMs - o.partitionMs)
    net.at(start, () => net.partition(new Map(names.map((n) => [n, net.random() < 0.5 ? 1 : 2]))))
    net.at(start + o.partitionMs, () => net.heal())
  }

  const injected = await scheduleAdversaries(net, nodes, [...adversaries], world, o)

  await net.run(o.publishPeriodMs)
  publishing = false
  net.heal()
  for (const n of names) net.setOnline(n, true)
  await net.run(end)

  const expected = [...publishedAt.keys()].sort()
  const honestNodes = honest.map((n) => nodes.get(n)!)
  const pairs = expected.length * (honest.length - 1)
  let deliveredFinal = 0
  const rejections: Record<string, number> = {}
  let badStored = 0
  for (const node of honestNodes) {
    const ids = new Set(node.store.eventIds())
    deliveredFinal += expected.filter((id) => ids.has(id)).length
    if ([...injected].some((id) => ids.has(id))) badStored++
    for (const [reason, count] of node.replica.metrics.rejections) rejections[reason] = (rejections[reason] ?? 0) + count
  }
  deliveredFinal -= expected.length // each author holds its own event
  const converged = honestNodes.every((n) => n.store.eventIds().join() === expected.join())
  return {
    published: expected.length,
    gossipLatencies,
    catchUpLatencies,
    lastDeliveryMs,
    deliveredBeforeSettle: pairs ? deliveredWhilePublishing.size / pairs : 1,
    deliveredFinal: pairs ? deliveredFinal / pairs : 1,
    converged,
    injected: injected.size,
    badStored,
    rejections,
    framesSent: net.framesSent,
    framesDropped: net.framesDropped,
  }
}

/**
 * Each adversary, once a second, pushes one bad entry to its neighbours:
 * tampered bytes, an event of another world (replay across worlds), a body
 * signed by a key other than the one it names (forgery), or a valid event
 * under another author's origin. Returns the ids of the bad events.
 */
async function scheduleAdversaries(
  net: SimNetwork,
  nodes: Map<string, Node>,
  adversaries: string[],
  world: World,
  o: MeshSimOptions,
): Promise<Set<string>> {
  const injected = new Set<string>()
  if (adversaries.length === 0) return injected
  const otherWorld = await createWorld('another harbor lantern')
  let n = 0
  for (const name of adversaries) {
    const node = nodes.get(name)!
    for (let t = 500; t < o.publishPeriodMs; t += 1000) {
      const kind = n++ % 4
      const entry = await badEntry(kind, world, otherWorld, node.signer, n)
      injected.add(entry.id)
      net.at(t, () => {
        const frame = encodeFrame('gossip', encodeLogEntry(entry.entry))
        for (const peer of node.neighbours) net.send(name, peer, frame)
      })
    }
  }
  return injected
}

async function badEntry(kind: number, world: World, otherWorld: World, signer: Signer, n: number): Promise<{ id: string; entry: LogEntry }> {
  const event = await sampleAttestationEvent((kind === 1 ? otherWorld : world).id, signer, 10_000 + n)
  const bytes = encodeEvent(event)
  const origin = originOf(event)
  if (kind === 0) {
    bytes[bytes.length - 70] = bytes[bytes.length - 70]! ^ 1 // flip a metrics byte under the signature
    return { id: toHex(await blake3(bytes.subarray(32))), entry: { replicaId: origin, seq: 1n, event: bytes } }
  }
  if (kind === 2) {
    const forger = await createSigner(new Uint8Array(32).fill(0xee))
    const forged = await sampleAttestationEvent(world.id, forger, 20_000 + n)
    const signed = (forged.body as { attestation: BehaviorAttestation }).attestation
    // Claims another author: that author's key, ids recomputed, the forger's signature kept.
    const claimed = { ...signed, proberTransportPubkey: signer.publicKey }
    const attestation = { ...claimed, attestationId: await deriveAttestationId(claimed) }
    const resealed = await createEvent({ type: 'attestation', attestation })
    return { id: toHex(resealed.eventId), entry: { replicaId: origin, seq: 1n, event: encodeEvent(resealed) } }
  }
  const wrongOrigin = kind === 3 ? new Uint8Array(32).fill(0x42) : origin
  return { id: toHex(event.eventId), entry: { replicaId: wrongOrigin, seq: BigInt(n), event: bytes } }
}
