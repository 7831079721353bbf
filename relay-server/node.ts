/**
 * The relay's libp2p node: a WebSocket listener (browsers and relays dial
 * it), the circuit-relay-v2 server (browsers reserve a slot to be reachable
 * and signal WebRTC through it), noise, yamux, identify, ping and gossipsub;
 * WebSockets and circuit-relay transports for dialing out.
 */
import './node-polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer, circuitRelayTransport, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { gossipsub } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { isIP } from 'node:net'
import type { Bytes32 } from '../core/index.js'
import type { RelayConfig } from './config.js'
import { discoveryTopic, gossipTopic, terrainGossipsubOptions } from './gossip-topic.js'
import type { MeshServices } from './mesh.js'

export type RelayServices = MeshServices & { identify: Identify; ping: Ping; relay: CircuitRelayService }

/** The WebSocket listen address for the configured host and port. */
export function wsListenAddress(config: Pick<RelayConfig, 'httpHost' | 'wsPort'>): string {
  return `/${isIP(config.httpHost) === 6 ? 'ip6' : 'ip4'}/${config.httpHost}/tcp/${config.wsPort}/ws`
}

/** Create and start the node. */
export async function createRelayNode(config: RelayConfig, privateKey: PrivateKey, world: Bytes32): Promise<Libp2p<RelayServices>> {
  return createLibp2p({
    privateKey,
    addresses: { listen: [wsListenAddress(config)], appendAnnounce: config.announce },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      relay: circuitRelayServer({ reservations: { maxReservations: config.maxReservations } }),
      pubsub: gossipsub(await terrainGossipsubOptions(gossipTopic(world), [discoveryTopic(world)])),
      // Relays take part in the world's peer discovery so browsers behind them find each other.
      discovery: pubsubPeerDiscovery({ topics: [discoveryTopic(world)], interval: 10_000 }),
    },
  })
}
