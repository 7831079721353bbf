import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { afterAll, describe, expect, it } from 'vitest'
import { be64, concatBytes, encodeEvent, EventLog, toHex } from '../../core/index.js'
import { LevelEventStore } from '../../relay-server/level-event-store.js'
import { eventStoreAcceptance } from '../acceptance/event-store.js'
import { indexSamples } from '../acceptance/sample-records.js'

const dirs: string[] = []
const stores: LevelEventStore[] = []
afterAll(async () => {
  for (const s of stores) await s.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

eventStoreAcceptance('LevelEventStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terrain-level-'))
  dirs.push(dir)
  const store = await LevelEventStore.open(dir)
  stores.push(store)
  return store
})

describe('LevelEventStore layout upgrade', () => {
  for (const layout of [1, 2]) {
    it(`marks every control-plane record and every descriptor of a layout-${layout} database, and only those`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `terrain-level-v${layout}-`))
      dirs.push(dir)
      const { descriptor, attestation, endorsement } = await indexSamples()
      // Written by hand: events and slots; layout 1 marked the descriptor (`d|`), layout 2 the control-plane records (`p|`) and its version.
      const raw = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
      const replicaId = new Uint8Array(32).fill(2)
      const events = [descriptor, attestation, endorsement]
      const mark = (prefix: number, id: Uint8Array) => ({ type: 'put' as const, key: concatBytes(new Uint8Array([prefix]), id), value: new Uint8Array(0) })
      const oldMarks =
        layout === 1
          ? [mark(0x64, descriptor.eventId)]
          : [mark(0x70, descriptor.eventId), mark(0x70, attestation.eventId), { type: 'put' as const, key: new Uint8Array([0x76]), value: be64(2n) }]
      await raw.batch(
        events.flatMap((event, i) => [
          { type: 'put' as const, key: concatBytes(new Uint8Array([0x65]), event.eventId), value: concatBytes(replicaId, be64(BigInt(i + 1)), encodeEvent(event)) },
          { type: 'put' as const, key: concatBytes(new Uint8Array([0x73]), replicaId, be64(BigInt(i + 1))), value: event.eventId },
        ]).concat(oldMarks),
      )
      await raw.close()

      const store = await LevelEventStore.open(dir)
      stores.push(store)
      const found: string[] = []
      await store.controlPlaneRecords((record) => found.push(toHex(record)))
      expect(found.sort()).toEqual([descriptor, attestation].map((e) => toHex(encodeEvent(e))).sort())
      const descriptors: string[] = []
      await store.descriptorEvents((event) => descriptors.push(toHex(event)))
      expect(descriptors).toEqual([toHex(encodeEvent(descriptor))])
    })
  }

  it('lists the descriptors it stores apart from the rest of the control plane', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'terrain-level-descriptors-'))
    dirs.push(dir)
    const { world, descriptor, attestation } = await indexSamples()
    const store = await LevelEventStore.open(dir)
    stores.push(store)
    const log = new EventLog(world.id, store)
    await log.author(descriptor)
    await log.author(attestation)
    const descriptors: string[] = []
    await store.descriptorEvents((event) => descriptors.push(toHex(event)))
    expect(descriptors).toEqual([toHex(encodeEvent(descriptor))])
  })
})
