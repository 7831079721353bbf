/**
 * The relay's libp2p identity: an Ed25519 key kept in `<dataDir>/peer-key`
 * (libp2p's protobuf key encoding, mode 0600), created on first start, so the
 * peer id that browsers and other relays dial survives restarts.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { createSigner, TerrainError, type Signer } from '../core/index.js'

export const PEER_KEY_FILE = 'peer-key'

export class RelayIdentityError extends TerrainError {
  declare readonly code: 'unreadable-key'
}

/** The key stored in `dataDir`, or a new one written there. */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, PEER_KEY_FILE)
  let stored: Uint8Array | undefined
  try {
    stored = await readFile(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  if (stored) {
    try {
      return privateKeyFromProtobuf(stored)
    } catch (e) {
      // Never replace an unreadable key silently: the relay's peer id would change under its users.
      throw new RelayIdentityError('unreadable-key', `${path} is not a libp2p private key (${(e as Error).message}); move it away to create a new identity`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  await mkdir(dataDir, { recursive: true })
  // Write then rename, so a crash never leaves a half-written key that would block the next start.
  const partial = `${path}.partial`
  await writeFile(partial, privateKeyToProtobuf(key), { mode: 0o600 })
  await chmod(partial, 0o600) // the umask may have narrowed the mode, never widened it; make it exact
  await rename(partial, path)
  return key
}

/**
 * The same Ed25519 key as a core `Signer`: what the peer signs as a circuit
 * hop (and publishes as a provider) checks against its libp2p peer id.
 */
export function signerOfPeerKey(key: PrivateKey): Promise<Signer> {
  if (key.type !== 'Ed25519') throw new RelayIdentityError('unreadable-key', `a ${key.type} peer key cannot sign as a Terrain transport key`)
  // libp2p's raw Ed25519 private key is the 32-byte seed followed by the public key.
  return createSigner(key.raw.subarray(0, 32))
}
