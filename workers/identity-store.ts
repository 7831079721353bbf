/**
 * The peer's transport key, kept in IndexedDB so a tab keeps its identity
 * across reloads. One Ed25519 seed signs events and is the libp2p peer key.
 */
import { openDB } from 'idb'
import { randomSecretKey } from '../core/index.js'

const DB = 'terrain-identity'
const STORE = 'keys'
const TRANSPORT_KEY = 'transport-ed25519-seed'

export async function loadOrCreateTransportSeed(): Promise<Uint8Array> {
  const db = await openDB(DB, 1, { upgrade: (d) => void d.createObjectStore(STORE) })
  try {
    const existing: unknown = await db.get(STORE, TRANSPORT_KEY)
    if (existing instanceof Uint8Array && existing.length === 32) return existing
    const seed = randomSecretKey()
    await db.put(STORE, seed, TRANSPORT_KEY)
    return seed
  } finally {
    db.close()
  }
}
