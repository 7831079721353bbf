/**
 * Push of new events over gossipsub: one topic per world, whose messages are
 * gossip frames (`LogEntry`). The topic validator *is* the ingestion path: it
 * stores a new valid event and tells gossipsub to forward it (Accept), drops
 * a known one (Ignore), and makes gossipsub penalise the peer that sent an
 * invalid one (Reject), so forwarding stops where an event is known or bad.
 */
import { TopicValidatorResult, type GossipSub, type GossipsubOpts, type Message } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import type { PeerId } from '@libp2p/interface'
import { blake3Ready, blake3Sync, le64, toHex, utf8, type Bytes32, type GossipVerdict } from '../core/index.js'

/** Topic of a world's events; the trailing `1` is the frame format version. */
export const gossipTopic = (world: Bytes32): string => `terrain/${toHex(world)}/events/1`

/** Topic on which peers of a world announce their addresses (pubsub peer discovery). */
export const discoveryTopic = (world: Bytes32): string => `terrain/${toHex(world)}/peers/1`

/**
 * Gossipsub settings every Terrain peer uses, so that message ids and scoring
 * agree across the mesh:
 * - message ids hash the payload (BLAKE3), so one event is one message
 *   whoever publishes it;
 * - only the world's topics are tracked (bounded memory against topic spam);
 * - scoring on the topic: invalid messages weigh heavily (three put a peer
 *   below the graylist threshold), while silence costs nothing, since a
 *   quiet world carries few events (no mesh-delivery quota).
 */
export async function terrainGossipsubOptions(topic: string, extraTopics: readonly string[] = []): Promise<Partial<GossipsubOpts>> {
  await blake3Ready() // msgIdFn must be synchronous-capable from the first message on
  return {
    allowedTopics: [topic, ...extraTopics],
    allowPublishToZeroTopicPeers: true, // publishing with nobody listening is normal; anti-entropy delivers later
    // Events: the payload's hash, so one event is one message. Other topics (peer discovery)
    // repeat the same payload on purpose, so their ids also cover sender and sequence number.
    msgIdFn: (msg) =>
      msg.topic === topic || msg.type !== 'signed'
        ? blake3Sync(msg.data)
        : blake3Sync(utf8(msg.from.toString()), le64(msg.sequenceNumber), msg.data),
    scoreParams: {
      topics: {
        [topic]: createTopicScoreParams({
          topicWeight: 1,
          timeInMeshWeight: 0.01,
          timeInMeshQuantum: 1_000,
          timeInMeshCap: 600,
          firstMessageDeliveriesWeight: 1,
          firstMessageDeliveriesDecay: 0.5,
          firstMessageDeliveriesCap: 10,
          meshMessageDeliveriesWeight: 0,
          meshFailurePenaltyWeight: 0,
          invalidMessageDeliveriesWeight: -10,
          invalidMessageDeliveriesDecay: 0.99,
        }),
      },
    },
  }
}

const RESULTS = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject,
} as const

export class GossipTopic {
  /** Validation results by verdict. */
  readonly verdicts: Record<GossipVerdict['verdict'], number> = { accept: 0, ignore: 0, reject: 0 }

  constructor(
    private readonly pubsub: GossipSub,
    readonly topic: string,
    /** Ingests one pushed message and judges it (`Replica.ingestGossip`). */
    private readonly ingest: (peer: string, data: Uint8Array) => Promise<GossipVerdict>,
  ) {}

  /** Subscribe and install the validator; gossipsub must be started. */
  start(): void {
    this.pubsub.topicValidators.set(this.topic, (from, message) => this.validate(from, message))
    this.pubsub.subscribe(this.topic)
  }

  stop(): void {
    this.pubsub.unsubscribe(this.topic)
    this.pubsub.topicValidators.delete(this.topic)
  }

  /** Publish a gossip frame; fire-and-forget like every `FrameTransport` send. */
  publish(frame: Uint8Array): void {
    this.pubsub.publish(this.topic, frame).catch(() => {
      // Refused (e.g. not started): the event is stored, and anti-entropy carries it to peers.
    })
  }

  private async validate(from: PeerId, message: Message): Promise<TopicValidatorResult> {
    const { verdict } = await this.ingest(from.toString(), message.data)
    this.verdicts[verdict]++
    return RESULTS[verdict]
  }
}
