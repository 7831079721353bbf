/** The real sync code storing into real IndexedDB: a fresh browser replica pulls a log, and keeps it across a reopen. */
import { describe, expect, it } from 'vitest'
import {
  createSigner,
  createWorld,
  EventLog,
  MemoryEventStore,
  Replica,
  sampleAttestationEvent,
  type Event,
} from '../../core/index.js'
import { IndexedDbEventStore } from '../../workers/idb-event-store.js'

async function events(count: number): Promise<Event[]> {
  const world = await createWorld('quiet harbor lantern')
  const signer = await createSigner(new Uint8Array(32).fill(3))
  const out: Event[] = []
  for (let i = 0; i < count; i++) out.push(await sampleAttestationEvent(world.id, signer, i))
  return out
}

describe('replica over IndexedDB', () => {
  it('pulls 300 events from a peer in batches and still has them after reopening the database', async () => {
    const world = await createWorld('quiet harbor lantern')
    const name = `terrain-replica-${Date.now()}`
    const source = new EventLog(world.id, new MemoryEventStore())
    for (const e of await events(300)) await source.author(e)

    const idb = await IndexedDbEventStore.open(name)
    const queue: { to: string; frame: Uint8Array }[] = []
    const transport = (from: string) => ({ send: (to: string, frame: Uint8Array) => queue.push({ to, frame: frame.slice() }), from })
    const server = new Replica(source, transport('server'), () => [])
    const client = new Replica(new EventLog(world.id, idb), transport('client'), () => [], { maxBatchEntries: 64 })
    await client.syncWith('server')
    while (queue.length) {
      const { to, frame } = queue.shift()!
      await (to === 'server' ? server.receive('client', frame) : client.receive('server', frame))
    }
    await client.settled()
    expect(await idb.count()).toBe(300)
    expect(client.metrics.rejections.size).toBe(0)
    idb.close()

    const reopened = await IndexedDbEventStore.open(name)
    expect(await reopened.count()).toBe(300)
    expect((await reopened.versionVector())[0]!.counter).toBe(300n)
    reopened.close()
  })
})
