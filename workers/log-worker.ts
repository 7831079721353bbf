/**
 * The event-log worker: the peer's replica of the world's log in IndexedDB,
 * the gossip and delta-sync protocol, and the peer's signing key. The page
 * owns the network (browsers offer WebRTC only there) and moves frames in
 * and out through this API.
 */
import * as Comlink from 'comlink'
import {
  createEvent,
  createSigner,
  createWorld,
  descriptorEvent,
  epochAt,
  fromHex,
  EventLog,
  ProviderDirectory,
  type ProviderSummary,
  PUBSUB_NEIGHBOUR,
  Replica,
  signRuleEndorsement,
  toHex,
  type GossipVerdict,
  type Signer,
  type World,
  worldRules,
  isControlPlaneRecord,
} from '../core/index.js'
import { keepErrorCodesAcrossComlink } from './error-transfer.js'
import { IndexedDbEventStore } from './idb-event-store.js'
import { transferPacked } from './packed-events.js'
import { loadOrCreateTransportSeed } from './identity-store.js'
import type { RouterWorkerApi } from './router-worker.js'
import { ValidationPool } from './validation-pool.js'

const RECENT = 50

export type OutboundFrame = (peer: string, frame: Uint8Array) => void

export interface LogStatus {
  world: string
  events: number
  origins: number
  syncRounds: number
  framesIn: number
  framesOut: number
  rejections: Record<string, number>
  recent: { id: string; from: string }[]
}

interface Opened {
  world: World
  store: IndexedDbEventStore
  log: EventLog
  replica: Replica
  signer: Signer
  providers: ProviderDirectory
}

/** What a provider states about the model it serves, digest in hex. */
export interface ServedModelSummary {
  baseModelId: string
  weightsDigest: string
  runtimeId: string
  contextLimit: number
}

let opened: Opened | undefined
let outbound: OutboundFrame = () => {}
/** The router worker, when the page connected one: it gets every control-plane record stored. */
let router: Comlink.Remote<RouterWorkerApi> | undefined
/** Control-plane records stored before this start: the router replays them when it connects. */
const storedAtStart: Uint8Array[] = []
/**
 * Control-plane records stored since, that the router has yet to get: all of
 * them until it connects (new evidence, not a replay), then those of the
 * batch being stored.
 */
const forRouter: Uint8Array[] = []
const recent: LogStatus['recent'] = []

function toRouter(record: Uint8Array): void {
  forRouter.push(record)
  const remote = router
  // The replica reports a batch's records one after another, synchronously: one message takes them all, packed
  // and moved rather than cloned as hundreds of small arrays.
  if (remote && forRouter.length === 1) queueMicrotask(() => void remote.ingest(transferPacked(forRouter.splice(0))))
}

function current(): Opened {
  if (!opened) throw new Error('the event log is not open yet')
  return opened
}

const api = {
  /** Open the world's log and the peer identity; returns what the page needs to start libp2p. */
  async open(worldPhrase: string, epochMs = 0): Promise<{ world: string; seed: Uint8Array }> {
    const world = await createWorld(worldPhrase, worldRules(epochMs))
    const { seed } = await loadOrCreateTransportSeed()
    const store = await IndexedDbEventStore.open(`terrain-log-${toHex(world.id)}`)
    // Sync batches are verified on other threads while this one writes the previous batch.
    const log = new EventLog(world.id, store, { validator: new ValidationPool() })
    const replica = new Replica(log, { send: (peer, frame) => outbound(peer, frame) }, () => [PUBSUB_NEIGHBOUR], { forwardGossip: false })
    const providers = new ProviderDirectory(world.id)
    // One read at start feeds the provider directory now and the router once it connects.
    await store.controlPlaneRecords((record) => {
      providers.addEncoded(record)
      storedAtStart.push(record)
    })
    replica.onStored(({ eventId, event, from }) => {
      // Descriptors are control-plane records: one look at the header for most events.
      if (isControlPlaneRecord(event)) {
        providers.addEncoded(event)
        toRouter(event)
      }
      const id = toHex(eventId)
      recent.unshift({ id, from: from ?? 'this peer' })
      recent.length = Math.min(recent.length, RECENT)
    })
    opened = { world, store, log, replica, signer: await createSigner(seed), providers }
    return { world: toHex(world.id), seed }
  },

  /**
   * Connect the router worker (over a port the page made): it replays every
   * control-plane record stored (so beliefs survive a reload) and gets each
   * new one as it is stored.
   */
  async connectRouter(port: MessagePort): Promise<void> {
    const remote = Comlink.wrap<RouterWorkerApi>(port)
    await remote.replay(transferPacked(storedAtStart.splice(0)))
    router = remote
    // What was stored since the log opened: a sync that began before the router connected brings evidence it judges
    // as it arrives (a replay would take evidence of any epoch, however old).
    const since = forRouter.splice(0)
    if (since.length > 0) await remote.ingest(transferPacked(since))
  },

  /** Publish records this peer made elsewhere: its sealed evidence and disputes, each freshly sealed (a random nonce), so new. */
  async publishRecords(records: Uint8Array[]): Promise<void> {
    const { replica } = current()
    for (const bytes of records) await replica.publishRecord(bytes)
  },

  setOutbound(send: OutboundFrame): void {
    outbound = send
  },

  receive(peer: string, frame: Uint8Array): Promise<void> {
    return current().replica.receive(peer, frame)
  },

  /** Verdict on a pushed pubsub message from `peer`, for the page's topic validator. */
  ingestGossip(peer: string, data: Uint8Array): Promise<GossipVerdict> {
    return current().replica.ingestGossip(peer, data)
  },

  syncWith(peer: string): Promise<void> {
    return current().replica.syncWith(peer)
  },

  /**
   * Sign and publish this peer's endorsement of the world's rules with a
   * weight in [0, 1]. Signatures are deterministic, so endorsing again with
   * the same weight in the same epoch is the same event: it is not published twice.
   */
  async endorseRules(weight = 1): Promise<string> {
    if (!(weight >= 0 && weight <= 1)) throw new RangeError(`an endorsement weight is in [0, 1], got ${weight}`)
    const { world, signer, replica, store } = current()
    const epochId = epochAt(world.rules, Date.now())
    const ruleEndorsement = await signRuleEndorsement({ world: world.id, epochId, ruleBundleHash: world.ruleBundleHash, weight }, signer)
    const event = await createEvent({ type: 'ruleEndorsement', ruleEndorsement })
    if (!(await store.has(event.eventId))) await replica.publish(event)
    return toHex(event.eventId)
  },

  /** Providers with a current descriptor (this epoch or the one before). */
  providers(): ProviderSummary[] {
    const { world, providers } = current()
    return providers.summaries(epochAt(world.rules, Date.now()))
  },

  /**
   * Sign and publish this peer's provider descriptor for the current epoch
   * (again each epoch: descriptors rotate). Returns the event id.
   */
  async publishDescriptor(model: ServedModelSummary, contactPoints: string[]): Promise<string> {
    const { world, signer, replica, store } = current()
    const event = await descriptorEvent({
      world: world.id,
      epoch: epochAt(world.rules, Date.now()),
      contactPoints,
      model: { ...model, weightsDigest: fromHex(model.weightsDigest) },
      signer,
    })
    if (!(await store.has(event.eventId))) await replica.publish(event)
    return toHex(event.eventId)
  },

  /** Whether the log holds the event with this hex id. */
  has(eventIdHex: string): Promise<boolean> {
    return current().store.has(fromHex(eventIdHex))
  },

  async status(): Promise<LogStatus> {
    const { world, store, replica } = current()
    return {
      world: toHex(world.id),
      events: await store.count(),
      origins: (await store.versionVector()).length,
      syncRounds: replica.metrics.syncRounds,
      framesIn: replica.metrics.framesIn,
      framesOut: replica.metrics.framesOut,
      rejections: Object.fromEntries(replica.metrics.rejections),
      recent: [...recent],
    }
  },
}

export type LogWorkerApi = typeof api
keepErrorCodesAcrossComlink()
Comlink.expose(api)
