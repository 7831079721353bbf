/**
 * The page's part of the mesh: libp2p on the main thread, the log in a
 * worker. Sync streams and the gossip topic (shared with the relay) carry
 * frames to and from the worker's replica; relays are dialed and redialed;
 * peers of the world found by pubsub discovery are dialed over WebRTC,
 * signalled through the relay, so events and later inference travel
 * directly between browsers.
 */
import type { Connection, Libp2p, PeerInfo } from '@libp2p/interface'
import * as Comlink from 'comlink'
import { PUBSUB_NEIGHBOUR, type Bytes32 } from '../core/index.js'
import { AntiEntropy } from '../relay-server/anti-entropy.js'
import { BootstrapDialer } from '../relay-server/bootstrap.js'
import { GossipTopic, gossipTopic } from '../relay-server/gossip-topic.js'
import { SyncStreams } from '../relay-server/sync-streams.js'
import type { LogWorkerApi } from '../workers/log-worker.js'
import type { BrowserServices } from './browser-node.js'
import { dialWebRtc } from './webrtc-dial.js'

export interface ConnectionSummary {
  peer: string
  /** `direct` (WebRTC), `relay` (WebSocket to a relay server), `relayed` (limited circuit through a relay). */
  kind: 'direct' | 'relay' | 'relayed'
  address: string
}

export interface MeshSettings {
  antiEntropyMs: number
}

export class PeerMesh {
  readonly sync: SyncStreams
  readonly gossip: GossipTopic
  readonly frameErrors = new Map<string, number>()
  readonly directDials = { attempts: 0, retries: 0, failures: 0, lastError: '' }
  private readonly antiEntropy: AntiEntropy
  private readonly bootstrap: BootstrapDialer
  private readonly onDiscovery = (event: CustomEvent<PeerInfo>) => void this.connectDirect(event.detail)
  /** Announce at once when our addresses change (a new reservation), not at the next interval. */
  private readonly onAddressChange = () => {
    if (this.reachable()) this.node.services.discovery._broadcast()
  }

  constructor(
    readonly node: Libp2p<BrowserServices>,
    private readonly log: Comlink.Remote<LogWorkerApi>,
    world: Bytes32,
    relays: readonly string[],
    settings: MeshSettings,
  ) {
    this.sync = new SyncStreams(node, {
      frame: (peer, bytes) => log.receive(peer, Comlink.transfer(bytes, [bytes.buffer])),
      frameError: (_, error) => void this.frameErrors.set(error.code, (this.frameErrors.get(error.code) ?? 0) + 1),
    })
    this.gossip = new GossipTopic(node.services.pubsub, gossipTopic(world), (peer, data) => log.ingestGossip(peer, data))
    this.antiEntropy = new AntiEntropy(node, (peer) => log.syncWith(peer), settings.antiEntropyMs)
    this.bootstrap = new BootstrapDialer(node, relays)
  }

  async start(): Promise<void> {
    await this.log.setOutbound(
      Comlink.proxy((peer: string, frame: Uint8Array) => (peer === PUBSUB_NEIGHBOUR ? this.gossip.publish(frame) : this.sync.send(peer, frame))),
    )
    await this.sync.start()
    this.gossip.start()
    await this.antiEntropy.start()
    // Straight from the discovery service: libp2p's own peer:discovery drops peers whose only addresses are circuit ones.
    this.node.services.discovery.addEventListener('peer', this.onDiscovery)
    this.node.addEventListener('self:peer:update', this.onAddressChange)
    this.bootstrap.start()
  }

  async stop(): Promise<void> {
    this.node.services.discovery.removeEventListener('peer', this.onDiscovery)
    this.node.removeEventListener('self:peer:update', this.onAddressChange)
    this.bootstrap.stop()
    this.antiEntropy.stop()
    this.gossip.stop()
    await this.sync.stop()
  }

  /** Whether this page holds a circuit reservation on a relay, so other peers can reach it. */
  reachable(): boolean {
    return this.node.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))
  }

  /** Every open connection, classified. */
  connections(): ConnectionSummary[] {
    return this.node.getConnections().map((c) => ({ peer: c.remotePeer.toString(), kind: kindOf(c), address: c.remoteAddr.toString() }))
  }

  /**
   * Dial a discovered peer over WebRTC unless a direct connection exists.
   * Of two peers that discover each other, only the one with the smaller
   * peer id dials, so they do not race two connections into existence.
   */
  private async connectDirect(peer: PeerInfo): Promise<void> {
    const id = peer.id.toString()
    if (id >= this.node.peerId.toString()) return
    if (this.node.getConnections(peer.id).some((c) => kindOf(c) === 'direct')) return
    const addrs = peer.multiaddrs.filter((a) => a.toString().includes('/webrtc'))
    if (addrs.length === 0) return
    this.directDials.attempts++
    const outcome = await dialWebRtc(this.node, addrs)
    this.directDials.retries += outcome.retries
    if (!outcome.connected) {
      this.directDials.failures++
      this.directDials.lastError = outcome.error ?? ''
    }
  }
}

export function kindOf(connection: Connection): ConnectionSummary['kind'] {
  const address = connection.remoteAddr.toString()
  if (address.includes('/webrtc')) return 'direct'
  if (address.includes('/p2p-circuit') || connection.limits) return 'relayed'
  return 'relay'
}
