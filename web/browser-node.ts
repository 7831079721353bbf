/**
 * The page's libp2p node. It lives on the main thread because browsers offer
 * RTCPeerConnection only there. WebSockets reach relays; a circuit
 * reservation on a relay makes the page reachable, and peers of the world
 * then upgrade to direct WebRTC connections signalled through it.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { gossipsub } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { pubsubPeerDiscovery, type PubSubPeerDiscovery, type PubSubPeerDiscoveryComponents } from '@libp2p/pubsub-peer-discovery'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import type { Bytes32 } from '../core/index.js'
import { discoveryTopic, gossipTopic, terrainGossipsubOptions } from '../relay-server/gossip-topic.js'
import type { MeshServices } from '../relay-server/mesh.js'
import type { NetConfig } from './net-config.js'

export type BrowserServices = MeshServices & { identify: Identify; ping: Ping; discovery: PubSubPeerDiscovery }

export async function createBrowserNode(
  seed: Uint8Array,
  world: Bytes32,
  config: NetConfig,
  allowPrivate: boolean,
): Promise<Libp2p<BrowserServices>> {
  return createLibp2p({
    // The peer id is the transport key that signs this peer's events.
    privateKey: await generateKeyPairFromSeed('Ed25519', seed),
    addresses: { listen: [config.reserveOn ? `${config.reserveOn}/p2p-circuit` : '/p2p-circuit', '/webrtc'] },
    transports: [webSockets(), webRTC({ rtcConfiguration: { iceServers: config.iceServers } }), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(allowPrivate ? { connectionGater: { denyDialMultiaddr: async () => false } } : {}),
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub(await terrainGossipsubOptions(gossipTopic(world), [discoveryTopic(world)])),
      // The factory is typed as returning a plain PeerDiscovery; it builds a PubSubPeerDiscovery,
      // whose broadcast the mesh calls when this page's addresses change.
      discovery: pubsubPeerDiscovery({ topics: [discoveryTopic(world)], interval: 5_000 }) as unknown as (
        components: PubSubPeerDiscoveryComponents,
      ) => PubSubPeerDiscovery,
    },
  })
}
