/**
 * The circuit handshake with one hop. Client and hop each make an ephemeral
 * X25519 key; the hop signs `"terrain-circuit-created-v1" || client_pub ||
 * hop_pub` with its Ed25519 identity key, so a hop that relays an EXTEND
 * cannot answer in the next hop's name. Both derive four 32-byte keys with
 * HKDF-SHA256(ikm = X25519 shared secret, salt = "terrain-circuit-v1",
 * info = client_pub || hop_pub, L = 128).
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { concatBytes, utf8 } from '../bytes.js'
import type { Ed25519Backend } from '../ed25519.js'
import type { Signer } from '../signing.js'
import { X25519_KEY_BYTES, type CreatedBody } from './cell.js'
import { CircuitError } from './errors.js'

export const CIRCUIT_KDF_SALT = utf8('terrain-circuit-v1')
export const CREATED_SIGNATURE_DOMAIN = utf8('terrain-circuit-created-v1')

/** The keys one hop shares with the client; forward is client → hop, backward hop → client. */
export interface CircuitKeys {
  /** ChaCha20 key of the layer this hop removes from forward cells it passes on. */
  forwardStream: Uint8Array
  /** ChaCha20-Poly1305 key of forward cells addressed to this hop. */
  forwardAead: Uint8Array
  /** ChaCha20 key of the layer this hop adds to backward cells it passes on. */
  backwardStream: Uint8Array
  /** ChaCha20-Poly1305 key of backward cells this hop originates. */
  backwardAead: Uint8Array
}

export interface EphemeralKeyPair {
  secretKey: Uint8Array
  publicKey: Uint8Array
}

/** Random bytes from a CSPRNG; injected so the simulator and the test vectors can fix them. */
export type RandomSource = (length: number) => Uint8Array

/** The runtime's CSPRNG (`crypto.getRandomValues`). */
export const systemRandom: RandomSource = (length) => randomBytes(length)

/** The X25519 key pair of a 32-byte secret (clamped as RFC 7748 says). */
export function ephemeralKeyPairFrom(secretKey: Uint8Array): EphemeralKeyPair {
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}

export function newEphemeralKeyPair(random: RandomSource): EphemeralKeyPair {
  return ephemeralKeyPairFrom(random(X25519_KEY_BYTES))
}

/** X25519; a peer key of small order (an all-zero secret) is a bad handshake, never a weak key. */
export function sharedSecret(secretKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  if (peerPublic.length !== X25519_KEY_BYTES) throw new CircuitError('circuit/bad-handshake', 'an X25519 key is 32 bytes')
  try {
    return x25519.getSharedSecret(secretKey, peerPublic)
  } catch {
    throw new CircuitError('circuit/bad-handshake', 'X25519 with a key of small order')
  }
}

export function deriveCircuitKeys(shared: Uint8Array, clientPublic: Uint8Array, hopPublic: Uint8Array): CircuitKeys {
  const okm = hkdf(sha256, shared, CIRCUIT_KDF_SALT, concatBytes(clientPublic, hopPublic), 128)
  return {
    forwardStream: okm.slice(0, 32),
    forwardAead: okm.slice(32, 64),
    backwardStream: okm.slice(64, 96),
    backwardAead: okm.slice(96, 128),
  }
}

export function createdSigningBytes(clientPublic: Uint8Array, hopPublic: Uint8Array): Uint8Array {
  return concatBytes(CREATED_SIGNATURE_DOMAIN, clientPublic, hopPublic)
}

/** The hop's side: answer a CREATE carrying `clientPublic` with a signed CREATED body, and derive the keys. */
export async function answerCreate(
  identity: Signer,
  clientPublic: Uint8Array,
  ephemeral: EphemeralKeyPair,
): Promise<{ created: CreatedBody; keys: CircuitKeys }> {
  const keys = deriveCircuitKeys(sharedSecret(ephemeral.secretKey, clientPublic), clientPublic, ephemeral.publicKey)
  const signature = await identity.sign(createdSigningBytes(clientPublic, ephemeral.publicKey))
  return { created: { hopPublic: ephemeral.publicKey, signature }, keys }
}

/** The client's side: check that `created` comes from the hop with identity `hopKey`, then derive the keys. */
export async function completeHandshake(
  ed25519: Ed25519Backend,
  hopKey: Uint8Array,
  ephemeral: EphemeralKeyPair,
  created: CreatedBody,
): Promise<CircuitKeys> {
  const signed = createdSigningBytes(ephemeral.publicKey, created.hopPublic)
  if (!(await ed25519.verify(hopKey, signed, created.signature))) {
    throw new CircuitError('circuit/bad-handshake', 'the CREATED signature is not by the expected hop')
  }
  return deriveCircuitKeys(sharedSecret(ephemeral.secretKey, created.hopPublic), ephemeral.publicKey, created.hopPublic)
}
