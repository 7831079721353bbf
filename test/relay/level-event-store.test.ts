import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { LevelEventStore } from '../../relay-server/level-event-store.js'
import { eventStoreAcceptance } from '../acceptance/event-store.js'

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
