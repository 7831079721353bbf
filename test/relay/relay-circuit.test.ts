/** Browsers reserve a slot on the relay (circuit-relay-v2) so other peers can reach them through it to signal WebRTC. */
import '../../relay-server/node-polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, type Identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterAll, expect, it } from 'vitest'
import { cleanupRelays, sample, startRelay, until } from './support/relay-process.js'

const peers: Libp2p[] = []
afterAll(async () => {
  for (const p of peers) await p.stop()
  await cleanupRelays()
})

/** A peer as a browser is: WebSockets to relays, circuit-relay for being reached, listening on a relayed address. */
async function browserLikePeer(): Promise<Libp2p<{ identify: Identify; ping: Ping }>> {
  const node = await createLibp2p({
    addresses: { listen: ['/p2p-circuit'] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
  })
  peers.push(node)
  return node
}

it('holds a reservation for a peer and relays a connection to it', async () => {
  const relay = await startRelay()
  const listener = await browserLikePeer()
  await listener.dial(multiaddr(relay.multiaddr))
  const circuit = await until('a relayed address', async () =>
    listener
      .getMultiaddrs()
      .map((ma) => ma.toString())
      .find((a) => a.startsWith(`${relay.multiaddr}/p2p-circuit/p2p/`)),
  )
  expect(sample(await relay.metrics(), 'terrain_circuit_reservations')).toBe(1)

  const dialer = await browserLikePeer()
  const connection = await dialer.dial(multiaddr(circuit))
  expect(connection.remotePeer.toString()).toBe(listener.peerId.toString())
  expect(connection.limits).toBeDefined() // relayed: limited in time and bytes, for signalling only
  // Ping runs on limited connections, as WebRTC signalling will: a round trip through the relay.
  expect(await dialer.services.ping.ping(listener.peerId)).toBeGreaterThanOrEqual(0)
})
