/**
 * A flood of sync requests from one peer: the relay answers its budget,
 * refuses the rest as `rate-limited` (counted in /metrics), and keeps
 * serving an honest peer meanwhile.
 */
import '../../relay-server/node-polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createWorld, encodeFrame, encodeSyncRequest, type World } from '../../core/index.js'
import { SYNC_PROTOCOL } from '../../relay-server/sync-streams.js'
import { signedEvents, startMeshClient, type MeshClient } from './support/mesh-client.js'
import { cleanupRelays, sample, startRelay, until, type RelayProcess } from './support/relay-process.js'

let world: World
let relay: RelayProcess
let flooder: Libp2p
let honest: MeshClient | undefined

beforeAll(async () => {
  world = await createWorld('quiet harbor lantern')
  relay = await startRelay({ antiEntropyMs: 60_000 })
  flooder = await createLibp2p({ transports: [webSockets()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
})
afterAll(async () => {
  await honest?.stop()
  await flooder?.stop()
  await cleanupRelays()
})

it('refuses a flood of sync requests beyond the per-peer budget and keeps serving others', async () => {
  const stream = await flooder.dialProtocol(multiaddr(relay.multiaddr), SYNC_PROTOCOL)
  const request = encodeFrame('syncRequest', encodeSyncRequest({ world: world.id, vector: [], maxEntries: 16 }))
  for (let i = 0; i < 2_000; i++) if (!stream.send(request)) await stream.onDrain()
  const limited = await until('rate-limited requests counted', async () => {
    const n = sample(await relay.metrics(), 'terrain_rejections_total{reason="rate-limited"}')
    return n >= 1_900 ? n : undefined
  })
  expect(limited).toBeLessThanOrEqual(2_000 - 20) // the burst was answered

  honest = await startMeshClient(world)
  await honest.dial(relay.multiaddr)
  // Gossip published before the relay's subscription is known goes nowhere; the relay's own pull is a minute away.
  await until('relay subscribed', async () => (honest!.node.services.pubsub.getSubscribers(honest!.mesh.gossip.topic).length > 0 ? true : undefined))
  for (const e of await signedEvents(world, 3, 9)) await honest.mesh.publish(e)
  await until('honest events stored', async () => ((await relay.health()).events === 3 ? true : undefined))
  expect(relay.child.exitCode).toBeNull()
})
