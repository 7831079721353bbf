import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { afterAll, describe, expect, it } from 'vitest'
import { be64, concatBytes, encodeEvent, toHex } from '../../core/index.js'
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
  it('marks every control-plane record of a layout-1 database, and only those', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'terrain-level-v1-'))
    dirs.push(dir)
    const { descriptor, attestation, endorsement } = await indexSamples()
    // Layout 1, written by hand: events, slots, and a `d|eventId` mark on the descriptor only.
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    const replicaId = new Uint8Array(32).fill(2)
    const events = [descriptor, attestation, endorsement]
    await raw.batch(
      events.flatMap((event, i) => [
        { type: 'put' as const, key: concatBytes(new Uint8Array([0x65]), event.eventId), value: concatBytes(replicaId, be64(BigInt(i + 1)), encodeEvent(event)) },
        { type: 'put' as const, key: concatBytes(new Uint8Array([0x73]), replicaId, be64(BigInt(i + 1))), value: event.eventId },
      ]).concat([{ type: 'put' as const, key: concatBytes(new Uint8Array([0x64]), descriptor.eventId), value: new Uint8Array(0) }]),
    )
    await raw.close()

    const store = await LevelEventStore.open(dir)
    stores.push(store)
    const found: string[] = []
    await store.controlPlaneRecords((record) => found.push(toHex(record)))
    expect(found.sort()).toEqual([descriptor, attestation].map((e) => toHex(encodeEvent(e))).sort())
  })
})
