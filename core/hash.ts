/**
 * BLAKE3 (`H` and `HK` of PROTOCOL.md §3) through hash-wasm. The WASM module
 * loads asynchronously once; after `blake3Ready()` resolves, `blake3Sync`
 * hashes without awaiting, which keeps per-event validation cheap.
 */
import { blake3 as blake3Keyed, createBLAKE3, type IHasher } from 'hash-wasm'
import { concatBytes, fromHex } from './bytes.js'
import { TerrainError } from './errors.js'

let hasher: IHasher | undefined
let loading: Promise<void> | undefined

/** Resolves once the BLAKE3 WASM instance is ready for `blake3Sync`. */
export function blake3Ready(): Promise<void> {
  loading ??= createBLAKE3(256).then((h) => {
    hasher = h
  })
  return loading
}

/** `H(parts[0] || parts[1] || …)`; requires `blake3Ready()` to have resolved. */
export function blake3Sync(...parts: Uint8Array[]): Uint8Array {
  if (!hasher) throw new TerrainError('hash-not-ready', 'await blake3Ready() before hashing synchronously')
  hasher.init()
  for (const part of parts) hasher.update(part)
  return hasher.digest('binary')
}

/** `H(parts…)`, loading the hasher on first use. */
export async function blake3(...parts: Uint8Array[]): Promise<Uint8Array> {
  await blake3Ready()
  return blake3Sync(...parts)
}

/** `HK(key, parts…)`: BLAKE3 keyed mode with a 32-byte key. */
export async function blake3WithKey(key: Uint8Array, ...parts: Uint8Array[]): Promise<Uint8Array> {
  if (key.length !== 32) throw new TerrainError('wrong-key-length', `BLAKE3 key must be 32 bytes, got ${key.length}`)
  return fromHex(await blake3Keyed(concatBytes(...parts), 256, key))
}
