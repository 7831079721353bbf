/**
 * Two real relay processes that bootstrap to each other replicate events
 * published into one of them, and an event the relay acknowledged survives
 * the relay being killed with SIGKILL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createWorld, toHex, type World } from '../../core/index.js'
import { startMeshClient, signedEvents, type MeshClient } from './support/mesh-client.js'
import { cleanupRelays, freePort, sample, startRelay, until } from './support/relay-process.js'

let world: World
const clients: MeshClient[] = []
beforeAll(async () => {
  world = await createWorld('quiet harbor lantern')
})
afterAll(async () => {
  for (const c of clients) await c.stop()
  await cleanupRelays()
})

async function client(): Promise<MeshClient> {
  const c = await startMeshClient(world)
  clients.push(c)
  return c
}

const eventCount = (relay: { health(): Promise<{ events: number }> }, n: number) =>
  until(`${n} events`, async () => ((await relay.health()).events >= n ? (await relay.health()).events : undefined))

it('replicates events between bootstrapped relays by gossip and keeps acknowledged events across SIGKILL', async () => {
  const [wsA, wsB] = [await freePort(), await freePort()]
  const bootstrapOf = (port: number) => [`/ip4/127.0.0.1/tcp/${port}/ws`]
  const slowTimer = 60_000 // anti-entropy then runs only when a peer connects
  // Each names the other as bootstrap; whichever starts first keeps redialing until the other listens.
  const [a, b] = await Promise.all([
    startRelay({ wsPort: wsA, bootstrap: bootstrapOf(wsB), antiEntropyMs: slowTimer }),
    startRelay({ wsPort: wsB, bootstrap: bootstrapOf(wsA), antiEntropyMs: slowTimer }),
  ])
  await until('relays connected', async () => ((await a.health()).peers >= 1 && (await b.health()).peers >= 1 ? true : undefined))

  // Published into A only: gossip to A, gossipsub and anti-entropy carry them on to B.
  const author = await client()
  await author.dial(a.multiaddr)
  await until('A subscribed', async () => (author.node.services.pubsub.getSubscribers(author.mesh.gossip.topic).length > 0 ? true : undefined))
  const events = await signedEvents(world, 20)
  for (const e of events) await author.mesh.publish(e)
  expect(await eventCount(a, 20)).toBe(20)
  expect(await eventCount(b, 20)).toBe(20)
  expect((await a.health()).peers).toBeGreaterThanOrEqual(2)
  // With the anti-entropy timer far away, only gossip (gossipsub forwarding A → B) can have delivered them.
  expect(sample(await b.metrics(), 'terrain_gossip_validations_total{result="accept"}')).toBe(20)

  // A has acknowledged 20 events (they are in its store, which /health counts). Kill it without warning.
  await author.stop()
  clients.splice(clients.indexOf(author), 1)
  const killed = await a.kill('SIGKILL')
  expect(killed.signal).toBe('SIGKILL')

  const restarted = await startRelay({ dataDir: a.dataDir, wsPort: wsA, bootstrap: bootstrapOf(wsB), antiEntropyMs: slowTimer })
  expect(restarted.peerId).toBe(a.peerId)
  expect((await restarted.health()).events).toBe(20)

  // A fresh peer pulls everything back from the restarted relay when it connects: the events, not just a count.
  const reader = await client()
  await reader.dial(restarted.multiaddr)
  await until('reader caught up', async () => ((await reader.store.count()) === 20 ? true : undefined))
  expect(reader.store.eventIds()).toEqual(events.map((e) => toHex(e.eventId)).sort())
})

it('pulls events a peer stored while offline as soon as it connects (delta sync)', async () => {
  const relay = await startRelay({ antiEntropyMs: 60_000 }) // the timer is not what delivers here
  const peer = await client()
  const events = await signedEvents(world, 30, 2)
  for (const e of events) await peer.mesh.publish(e) // nobody is listening yet: stored locally only
  expect((await relay.health()).events).toBe(0)
  await peer.dial(relay.multiaddr)
  expect(await eventCount(relay, 30)).toBe(30)
  const metrics = await relay.metrics()
  expect(sample(metrics, 'terrain_events_added_total')).toBe(30)
  expect(sample(metrics, 'terrain_gossip_validations_total{result="accept"}')).toBe(0)
  expect(sample(metrics, 'terrain_sync_rounds_total')).toBeGreaterThanOrEqual(1)
})

it('pulls on the anti-entropy timer what a connected peer stored without gossiping it', async () => {
  const relay = await startRelay({ antiEntropyMs: 300 })
  const peer = await client()
  await peer.dial(relay.multiaddr)
  // The connect-time round is over once its (empty, final) batch has come back.
  await until('first sync round answered', async () => (sample(await relay.metrics(), 'terrain_frames_total{direction="in"}') >= 1 ? true : undefined))
  // Stored straight into the peer's log: no gossip.
  for (const e of await signedEvents(world, 5, 3)) await peer.mesh.replica.log.author(e)
  expect(await eventCount(relay, 5)).toBe(5)
  expect(sample(await relay.metrics(), 'terrain_gossip_validations_total{result="accept"}')).toBe(0)
})
