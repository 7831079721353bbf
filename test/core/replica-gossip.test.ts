import { beforeAll, expect, it } from 'vitest'
import { encodeEvent, encodeFrame, encodeLogEntry, EventLog, MemoryEventStore, originOf, Replica } from '../../core/index.js'
import { fixture, type Fixture } from './fixtures.js'

let f: Fixture
beforeAll(async () => {
  f = await fixture()
})

const replica = () => new Replica(new EventLog(f.world.id, new MemoryEventStore()), { send: () => {} }, () => [])

it('accepts a new valid push once, then ignores it; rejects bad frames and bad events with a reason', async () => {
  const r = replica()
  const event = f.events.attestation
  const frame = encodeFrame('gossip', encodeLogEntry({ replicaId: originOf(event), seq: 1n, event: encodeEvent(event) }))
  expect(await r.ingestGossip('peer', frame)).toEqual({ verdict: 'accept' })
  expect(await r.ingestGossip('peer', frame)).toEqual({ verdict: 'ignore' })
  expect(await r.ingestGossip('peer', new Uint8Array([3, 1, 1, 0]))).toEqual({ verdict: 'reject', reason: 'truncated' })
  expect(await r.ingestGossip('peer', encodeFrame('syncBatch', new Uint8Array([0, 1])))).toEqual({ verdict: 'reject', reason: 'unexpected-kind' })
  const tampered = encodeEvent(f.events.dispute)
  tampered[tampered.length - 1]! ^= 1
  const bad = encodeFrame('gossip', encodeLogEntry({ replicaId: originOf(f.events.dispute), seq: 1n, event: tampered }))
  expect(await r.ingestGossip('peer', bad)).toEqual({ verdict: 'reject', reason: 'event-id-mismatch' })
  expect(r.metrics.eventsAdded).toBe(1)
})

it('charges the sender of every rejected push', async () => {
  const r = replica()
  await r.ingestGossip('mallory', new Uint8Array([3, 1, 1, 0]))
  await r.ingestGossip('mallory', new Uint8Array([3, 9, 1, 0]))
  expect(r.penalties.get('mallory')).toBe(2)
  expect(Object.fromEntries(r.metrics.rejections)).toEqual({ truncated: 1, 'unknown-version': 1 })
})
