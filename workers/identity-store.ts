/**
 * The peer's transport key, kept in IndexedDB so a tab keeps its identity
 * across reloads. One Ed25519 seed signs events and is the libp2p peer key.
 *
 * Tabs of one browser profile share IndexedDB, but two tabs must not share a
 * peer id. Each tab therefore holds a Web Lock on one numbered identity slot
 * for its lifetime: the first tab gets slot 0, a second one slot 1, and a
 * reloaded tab gets its slot back once the old page has let it go.
 */
import { openDB } from 'idb'
import { randomSecretKey } from '../core/index.js'

const DB = 'terrain-identity'
const STORE = 'keys'
const MAX_SLOTS = 64

interface LockManagerLike {
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<void>): Promise<void>
}

/** Hold the lowest free slot's lock until the worker ends; returns the slot. */
async function claimSlot(locks: LockManagerLike): Promise<number> {
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    const claimed = await new Promise<boolean>((resolve) => {
      void locks.request(`terrain-identity-${slot}`, { ifAvailable: true }, (lock) => {
        resolve(lock !== null)
        // Never settles: the lock is released when this worker goes away.
        return lock === null ? Promise.resolve() : new Promise<void>(() => {})
      })
    })
    if (claimed) return slot
  }
  throw new Error(`more than ${MAX_SLOTS} tabs of this profile are open`)
}

export async function loadOrCreateTransportSeed(): Promise<{ seed: Uint8Array; slot: number }> {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks
  const slot = locks ? await claimSlot(locks) : 0
  const name = `transport-ed25519-seed-${slot}`
  const db = await openDB(DB, 1, { upgrade: (d) => void d.createObjectStore(STORE) })
  try {
    const existing: unknown = await db.get(STORE, name)
    if (existing instanceof Uint8Array && existing.length === 32) return { seed: existing, slot }
    const seed = randomSecretKey()
    await db.put(STORE, seed, name)
    return { seed, slot }
  } finally {
    db.close()
  }
}
