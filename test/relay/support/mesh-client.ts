/**
 * A Node peer for tests that speaks to relays with the relay's own mesh code
 * (`relay-server/mesh.ts`) over WebSockets, on an in-memory event log; and
 * signed events to publish.
 */
import '../../../relay-server/node-polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import {
  createSigner,
  EventLog,
  MemoryEventStore,
  sampleAttestationEvent,
  type Event,
  type World,
} from '../../../core/index.js'
import { gossipTopic, terrainGossipsubOptions } from '../../../relay-server/gossip-topic.js'
import { Mesh, type MeshServices } from '../../../relay-server/mesh.js'

export interface MeshClient {
  node: Libp2p<MeshServices>
  mesh: Mesh
  store: MemoryEventStore
  dial(addr: string): Promise<void>
  stop(): Promise<void>
}

export async function startMeshClient(world: World, store = new MemoryEventStore()): Promise<MeshClient> {
  const node = await createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), pubsub: gossipsub(await terrainGossipsubOptions(gossipTopic(world.id))) },
  })
  const mesh = new Mesh(node, new EventLog(world.id, store), { antiEntropyMs: 500 })
  await mesh.start()
  return {
    node,
    mesh,
    store,
    dial: async (addr) => {
      await node.dial(multiaddr(addr))
    },
    stop: async () => {
      await mesh.stop()
      await node.stop()
    },
  }
}

/** `count` signed attestation events by one author (`author` seeds its key), distinct by `n`. */
export async function signedEvents(world: World, count: number, author = 1): Promise<Event[]> {
  const signer = await createSigner(new Uint8Array(32).fill(author))
  const events: Event[] = []
  for (let n = 0; n < count; n++) events.push(await sampleAttestationEvent(world.id, signer, n))
  return events
}
