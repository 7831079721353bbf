/**
 * The event-log replica of one libp2p node: a core `Replica` whose frames
 * travel over libp2p. Pushes go to the world's gossipsub topic, and come in
 * through its validator (gossipsub forwards what the validator accepts, so
 * the Replica's own forwarding is off); delta sync runs on the
 * `/terrain/sync/1.0.0` stream protocol; anti-entropy pulls on connect and on
 * a timer. The relay runs one; so can any Node peer (the tests do).
 */
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import { PUBSUB_NEIGHBOUR, Replica, type Event, type EventLog, type FrameError, type LogEntry } from '../core/index.js'
import { AntiEntropy } from './anti-entropy.js'
import { gossipTopic, GossipTopic } from './gossip-topic.js'
import { SyncStreams } from './sync-streams.js'

export type MeshServices = { pubsub: GossipSub }

export interface MeshOptions {
  /** Interval between anti-entropy rounds, in ms. */
  antiEntropyMs: number
}

export class Mesh {
  readonly replica: Replica
  readonly gossip: GossipTopic
  readonly sync: SyncStreams
  /** Framing errors on sync streams, by code; each closed its stream. */
  readonly streamErrors = new Map<string, number>()
  private readonly antiEntropy: AntiEntropy

  constructor(
    node: Libp2p<MeshServices>,
    log: EventLog,
    options: MeshOptions,
  ) {
    this.gossip = new GossipTopic(node.services.pubsub, gossipTopic(log.world), (peer, data) => this.replica.ingestGossip(peer, data))
    this.sync = new SyncStreams(node, {
      frame: (peer, bytes) => this.replica.receive(peer, bytes),
      frameError: (peer, error) => this.onFrameError(peer, error),
    })
    this.replica = new Replica(
      log,
      { send: (peer, frame) => (peer === PUBSUB_NEIGHBOUR ? this.gossip.publish(frame) : this.sync.send(peer, frame)) },
      () => [PUBSUB_NEIGHBOUR],
      { forwardGossip: false },
    )
    this.antiEntropy = new AntiEntropy(node, (peer) => this.replica.syncWith(peer), options.antiEntropyMs)
  }

  /** Every rejection by reason: frames and entries judged by the Replica (sync and gossip) and stream framing errors. */
  rejections(): Map<string, number> {
    const all = new Map(this.replica.metrics.rejections)
    for (const [reason, n] of this.streamErrors) all.set(reason, (all.get(reason) ?? 0) + n)
    return all
  }

  /** Start serving and pulling; the libp2p node must be started. */
  async start(): Promise<void> {
    await this.sync.start()
    this.gossip.start()
    await this.antiEntropy.start()
  }

  async stop(): Promise<void> {
    this.antiEntropy.stop()
    this.gossip.stop()
    await this.sync.stop()
  }

  /** Store an event this node authored and gossip it. */
  publish(event: Event): Promise<LogEntry> {
    return this.replica.publish(event)
  }

  private onFrameError(peer: string, error: FrameError): void {
    this.streamErrors.set(error.code, (this.streamErrors.get(error.code) ?? 0) + 1)
    this.replica.penalties.set(peer, (this.replica.penalties.get(peer) ?? 0) + 1)
  }
}
