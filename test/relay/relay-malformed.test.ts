/**
 * Hostile input on the relay's sync protocol and gossip topic: each bad
 * stream is closed and counted in /metrics by reason, a bad message on a
 * good stream is counted without closing it, and the relay keeps serving.
 */
import '../../relay-server/node-polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  createWorld,
  decodeSyncBatch,
  encodeEvent,
  encodeFrame,
  encodeLogEntry,
  encodeSyncRequest,
  FrameDecoder,
  utf8,
  type World,
} from '../../core/index.js'
import { gossipTopic, terrainGossipsubOptions } from '../../relay-server/gossip-topic.js'
import type { MeshServices } from '../../relay-server/mesh.js'
import { SYNC_PROTOCOL } from '../../relay-server/sync-streams.js'
import { signedEvents, startMeshClient, type MeshClient } from './support/mesh-client.js'
import { cleanupRelays, sample, startRelay, until, type RelayProcess } from './support/relay-process.js'

let world: World
let relay: RelayProcess
/** A bare libp2p peer (no mesh of its own) that writes whatever the test tells it to. */
let rogue: Libp2p<MeshServices>
let honest: MeshClient | undefined

beforeAll(async () => {
  world = await createWorld('quiet harbor lantern')
  relay = await startRelay()
  rogue = await createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), pubsub: gossipsub(await terrainGossipsubOptions(gossipTopic(world.id))) },
  })
})
afterAll(async () => {
  await honest?.stop()
  await rogue?.stop()
  await cleanupRelays()
})

const openSync = () => rogue.dialProtocol(multiaddr(relay.multiaddr), SYNC_PROTOCOL)

/** Whether the remote end closed or reset the stream within `ms`. */
async function closedByRelay(stream: Stream, ms = 5_000): Promise<boolean> {
  const drained = (async () => {
    try {
      for await (const _ of stream);
    } catch {
      // reset by the relay: closed all the same
    }
    return true
  })()
  return Promise.race([drained, new Promise<boolean>((r) => setTimeout(() => r(false), ms))])
}

it('allows a peer at most 4 sync streams at once', async () => {
  const open = [await openSync(), await openSync(), await openSync(), await openSync()]
  const fifth = await openSync()
  expect(await closedByRelay(fifth)).toBe(true)
  for (const stream of open) expect(stream.status).toBe('open')
  for (const stream of open) stream.abort(new Error('done'))
})

const streamErrors = async (reason: string) => sample(await relay.metrics(), `terrain_sync_stream_errors_total{reason="${reason}"}`)

const garbage = utf8('GET / HTTP/1.1\r\nHost: relay\r\n\r\n'.repeat(4))

it.each([
  ['garbage', garbage, 'unknown-version'],
  ['an oversized length prefix (2 MiB)', new Uint8Array([0xff, 0xff, 0x7f]), 'frame-too-large'],
  ['a length prefix longer than 4 bytes', new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x01]), 'frame-too-large'],
  ['an over-long length prefix', new Uint8Array([0x83, 0x00, 1, 1, 0]), 'bad-length'],
  ['an unknown version', new Uint8Array([3, 9, 1, 0]), 'unknown-version'],
  ['an unknown kind', new Uint8Array([2, 1, 99]), 'unknown-kind'],
  ['an empty frame', new Uint8Array([0]), 'frame-empty'],
])('closes a sync stream carrying %s and counts it as %s', async (_, bytes, reason) => {
  const before = await streamErrors(reason)
  const stream = await openSync()
  stream.send(bytes)
  expect(await closedByRelay(stream)).toBe(true)
  expect(await streamErrors(reason)).toBe(before + 1)
  expect(sample(await relay.metrics(), `terrain_rejections_total{reason="${reason}"}`)).toBeGreaterThanOrEqual(before + 1)
})

it('counts a stream that ends inside a frame as truncated', async () => {
  const stream = await openSync()
  stream.send(new Uint8Array([40, 1, 2, 0, 0]))
  await stream.close()
  expect(await closedByRelay(stream)).toBe(true)
  await until('truncated-frame counted', async () => ((await streamErrors('truncated-frame')) === 1 ? true : undefined))
})

it('rejects a well-framed but undecodable message, keeps the stream open and answers the next request on it', async () => {
  const stream = await openSync()
  const decoder = new FrameDecoder()
  const frames: ReturnType<FrameDecoder['push']> = []
  const reading = (async () => {
    for await (const chunk of stream) frames.push(...decoder.push(chunk.subarray()))
  })().catch(() => undefined)

  stream.send(encodeFrame('syncRequest', new Uint8Array([1, 2, 3])))
  await until('the bad request counted', async () => (sample(await relay.metrics(), 'terrain_rejections_total{reason="truncated"}') === 1 ? true : undefined))
  stream.send(encodeFrame('syncRequest', encodeSyncRequest({ world: world.id, vector: [], maxEntries: 16 })))
  // The relay's own anti-entropy may send us a syncRequest on this stream too; the answer is the batch.
  const batch = await until('a sync batch back', async () => frames.find((f) => f.kind === 'syncBatch'))
  expect(decodeSyncBatch(batch.payload).done).toBe(true)
  expect(stream.status).toBe('open')
  await stream.close()
  await reading
})

it('rejects invalid gossip through the topic validator', async () => {
  await rogue.dial(multiaddr(relay.multiaddr))
  const topic = gossipTopic(world.id)
  await until('relay subscribed', async () => (rogue.services.pubsub.getSubscribers(topic).length > 0 ? true : undefined))
  const [event] = await signedEvents(world, 1, 9)
  const misfiled = encodeLogEntry({ replicaId: new Uint8Array(32), seq: 1n, event: encodeEvent(event!) })
  await rogue.services.pubsub.publish(topic, garbage)
  await rogue.services.pubsub.publish(topic, encodeFrame('syncRequest', encodeSyncRequest({ world: world.id, vector: [], maxEntries: 1 })))
  await rogue.services.pubsub.publish(topic, encodeFrame('gossip', misfiled))
  await until('three gossip rejections', async () =>
    sample(await relay.metrics(), 'terrain_gossip_validations_total{result="reject"}') === 3 ? true : undefined,
  )
  const text = await relay.metrics()
  expect(sample(text, 'terrain_rejections_total{reason="unexpected-kind"}')).toBe(1)
  expect(sample(text, 'terrain_rejections_total{reason="wrong-origin"}')).toBe(1)
  expect(sample(text, 'terrain_rejections_total{reason="unknown-version"}')).toBe(3) // two sync streams earlier, one gossip message
  expect((await relay.health()).events).toBe(0)
})

it('keeps serving other peers after all of that', async () => {
  honest = await startMeshClient(world)
  await honest.dial(relay.multiaddr)
  const events = await signedEvents(world, 3, 4)
  for (const e of events) await honest.mesh.publish(e)
  await until('events stored', async () => ((await relay.health()).events === 3 ? true : undefined))
  expect((await relay.health()).status).toBe('ok')
  expect(relay.child.exitCode).toBeNull()
})
