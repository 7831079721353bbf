/**
 * Sealed control-plane events. Receipts, attestations, disputes and link
 * hints name providers by TargetRef, which only control-plane members may
 * read, yet they replicate through every peer's log (providers and relays
 * included). So members seal them: the canonical `Event`, padded, encrypted
 * under a key derived from the epoch's control-plane key, inside a record
 * the sealer signs. Any peer can check the outer record (world, epoch,
 * sealer, signature) and store and forward it; only members can open it.
 *
 * Record bytes are `SEALED_MAGIC || canon(SealedEvent)` (record-kind.ts).
 * See docs/protocol.md §17.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { concatBytes, equalBytes, le64, utf8 } from './bytes.js'
import { bytes, bytes32, CanonError, decode, encode, fixedBytes, struct, u64, type Codec } from './canonical.js'
import { getEd25519, type Ed25519Backend } from './ed25519.js'
import { TerrainError } from './errors.js'
import { eventSigner, MAX_EVENT_BYTES, validateEventBytes, type EventValidationOptions } from './events.js'
import { blake3, blake3Sync, blake3WithKey } from './hash.js'
import { deriveControlPlaneKey } from './ids.js'
import { isSealedRecord, SEALED_MAGIC } from './record-kind.js'
import type { Signer } from './signing.js'
import { encodeEvent } from './structs.js'
import type { Bytes32, Event } from './types.js'

/** Plaintexts are padded to a multiple of this, so a record's size hides which kind of event it holds. */
export const SEAL_PAD_BYTES = 512
const NONCE_BYTES = 24
const TAG_BYTES = 16
/** Room for the magic, header, nonce, tag, key and signature around the padded plaintext. */
const SEAL_OVERHEAD_BYTES = 512
/** Largest event a record can seal: its sealed form stays within `MAX_EVENT_BYTES`. */
export const MAX_SEALED_EVENT_BYTES = MAX_EVENT_BYTES - SEAL_OVERHEAD_BYTES - SEAL_PAD_BYTES

const DOMAIN = { seal: utf8('seal'), sealId: utf8('seal-id'), signature: utf8('sealed-sig') } as const

export interface SealedEvent {
  world: Bytes32
  epochId: bigint
  /** `H("seal-id" || seal_key)`: which control plane sealed it, so members skip others' records without trying to decrypt them. */
  sealId: Bytes32
  nonce: Uint8Array
  ciphertext: Uint8Array
  sealerTransportPubkey: Uint8Array
  signature: Uint8Array
}

type SealedHeader = Pick<SealedEvent, 'world' | 'epochId' | 'sealId' | 'sealerTransportPubkey'>

const headerFields = [
  ['world', bytes32],
  ['epochId', u64],
  ['sealId', bytes32],
] as const
const sealedHeaderCodec: Codec<SealedHeader> = struct<SealedHeader>('SealedHeader', [...headerFields, ['sealerTransportPubkey', bytes]])
const unsignedFields = [...headerFields, ['nonce', fixedBytes(NONCE_BYTES)], ['ciphertext', bytes], ['sealerTransportPubkey', bytes]] as const
const sealedUnsignedCodec: Codec<Omit<SealedEvent, 'signature'>> = struct<Omit<SealedEvent, 'signature'>>('SealedEventUnsigned', [...unsignedFields])
export const sealedEventCodec: Codec<SealedEvent> = struct<SealedEvent>('SealedEvent', [...unsignedFields, ['signature', bytes]])

/** What the sealer signs (a struct encodes only its own fields, so a whole record will do). */
const signingBytes = (unsigned: Omit<SealedEvent, 'signature'>): Uint8Array => concatBytes(DOMAIN.signature, encode(sealedUnsignedCodec, unsigned))

export type SealRejection = 'bad-key' | 'unknown-seal' | 'undecryptable' | 'bad-padding' | 'sealer-mismatch' | 'header-mismatch' | 'bad-inner-event' | 'too-large'

/** Why a sealed record could not be sealed or opened. */
export class SealError extends TerrainError {
  declare readonly code: SealRejection
}

/** One epoch's sealing key of a control plane, and the id records sealed with it carry. */
export interface SealKey {
  world: Bytes32
  epochId: bigint
  key: Uint8Array
  sealId: Bytes32
}

/** `seal_key = HK(cpk_epoch, "seal" || WorldId || le64(epoch_id))`, `seal_id = H("seal-id" || seal_key)`. */
export async function deriveSealKey(masterKey: Bytes32, world: Bytes32, epochId: bigint): Promise<SealKey> {
  const cpk = await deriveControlPlaneKey(masterKey, world, epochId)
  const key = await blake3WithKey(cpk, DOMAIN.seal, world, le64(epochId))
  return { world, epochId, key, sealId: await blake3(DOMAIN.sealId, key) }
}

/** Strictly decode sealed-record bytes; a `CanonError` when they are not one. */
export function decodeSealedRecord(record: Uint8Array): SealedEvent {
  if (!isSealedRecord(record)) throw new CanonError('wrong-length', 'SealedEvent', 'missing the sealed-record magic')
  return decode(sealedEventCodec, record.subarray(SEALED_MAGIC.length))
}

export const encodeSealedRecord = (sealed: SealedEvent): Uint8Array => concatBytes(SEALED_MAGIC, encode(sealedEventCodec, sealed))

/** The record id a log stores a sealed record under: `H(record bytes)`. */
export function sealedRecordIdSync(record: Uint8Array): Bytes32 {
  return blake3Sync(record)
}

function pad(event: Uint8Array): Uint8Array {
  const length = Math.ceil((event.length + 4) / SEAL_PAD_BYTES) * SEAL_PAD_BYTES
  const padded = new Uint8Array(length)
  new DataView(padded.buffer).setUint32(0, event.length, true)
  padded.set(event, 4)
  return padded
}

function unpad(padded: Uint8Array): Uint8Array {
  if (padded.length < 4 || padded.length % SEAL_PAD_BYTES !== 0) throw new SealError('bad-padding', `plaintext of ${padded.length} bytes is not padded`)
  const length = new DataView(padded.buffer, padded.byteOffset).getUint32(0, true)
  if (length > padded.length - 4) throw new SealError('bad-padding', `declared length ${length} exceeds the plaintext`)
  // Padding is zeros and no more than one block: anything else is not what a sealer makes.
  if (padded.length - 4 - length >= SEAL_PAD_BYTES || padded.subarray(4 + length).some((b) => b !== 0)) {
    throw new SealError('bad-padding', 'padding is not zeros of less than one block')
  }
  return padded.subarray(4, 4 + length)
}

/**
 * Seal an event this peer signed: it must be of the key's world and epoch
 * and signed by `signer`, so opening can check the sealer is its author.
 */
export async function sealEvent(event: Event, key: SealKey, signer: Signer): Promise<Uint8Array> {
  const encoded = encodeEvent(event)
  if (!equalBytes(event.world, key.world) || event.epochId !== key.epochId) throw new SealError('header-mismatch', 'the event is of another world or epoch than the seal key')
  if (!equalBytes(eventSigner(event), signer.publicKey)) throw new SealError('sealer-mismatch', 'only an event’s author seals it')
  if (encoded.length > MAX_SEALED_EVENT_BYTES) throw new SealError('too-large', `event of ${encoded.length} bytes exceeds the sealable ${MAX_SEALED_EVENT_BYTES}`)
  const header: SealedHeader = { world: key.world, epochId: key.epochId, sealId: key.sealId, sealerTransportPubkey: signer.publicKey }
  const nonce = randomBytes(NONCE_BYTES)
  const ciphertext = xchacha20poly1305(key.key, nonce, encode(sealedHeaderCodec, header)).encrypt(pad(encoded))
  const unsigned = { ...header, nonce, ciphertext }
  const signature = await signer.sign(signingBytes(unsigned))
  return encodeSealedRecord({ ...unsigned, signature })
}

/** What anyone can check of a sealed record; undefined when valid, else the typed reason. */
export async function checkSealedRecord(
  sealed: SealedEvent,
  options: EventValidationOptions,
): Promise<{ code: 'malformed' | 'wrong-world' | 'epoch-out-of-range' | 'bad-key' | 'bad-signature'; message: string } | undefined> {
  if (options.world && !equalBytes(options.world, sealed.world)) return { code: 'wrong-world', message: 'sealed record is for another world' }
  if (options.epochs && (sealed.epochId < options.epochs.min || sealed.epochId > options.epochs.max)) {
    return { code: 'epoch-out-of-range', message: `epoch ${sealed.epochId} outside [${options.epochs.min}, ${options.epochs.max}]` }
  }
  if (sealed.sealerTransportPubkey.length !== 32) return { code: 'bad-key', message: `sealer key is ${sealed.sealerTransportPubkey.length} bytes, expected 32` }
  if (sealed.ciphertext.length < TAG_BYTES + SEAL_PAD_BYTES) return { code: 'malformed', message: 'ciphertext shorter than one padded block' }
  const ed = options.ed25519 ?? (await getEd25519())
  const ok = await ed.verify(sealed.sealerTransportPubkey, signingBytes(sealed), sealed.signature)
  return ok ? undefined : { code: 'bad-signature', message: 'sealed record signature does not verify' }
}

/**
 * Open a sealed record (already checked with `checkSealedRecord`) with the
 * control plane's key of its epoch: decrypt, unpad, and validate the inner
 * event in full. The inner event must be of the record's world and epoch
 * and signed by its sealer, so nobody re-seals another prober's evidence.
 */
export async function openSealedEvent(sealed: SealedEvent, key: SealKey, options: { ed25519?: Ed25519Backend } = {}): Promise<Event> {
  if (!equalBytes(sealed.sealId, key.sealId) || sealed.epochId !== key.epochId || !equalBytes(sealed.world, key.world)) {
    throw new SealError('unknown-seal', 'sealed with a key this control plane does not hold')
  }
  let padded: Uint8Array
  try {
    padded = xchacha20poly1305(key.key, sealed.nonce, encode(sealedHeaderCodec, sealed)).decrypt(sealed.ciphertext)
  } catch (cause) {
    throw new SealError('undecryptable', `sealed record does not decrypt: ${(cause as Error).message}`)
  }
  const inner = await validateEventBytes(unpad(padded), { world: sealed.world, ...(options.ed25519 ? { ed25519: options.ed25519 } : {}) })
  if (!inner.ok) throw new SealError('bad-inner-event', `sealed event is invalid: ${inner.error.code}: ${inner.error.message}`)
  if (inner.event.epochId !== sealed.epochId) throw new SealError('header-mismatch', 'sealed event is of another epoch than its record')
  if (!equalBytes(eventSigner(inner.event), sealed.sealerTransportPubkey)) throw new SealError('sealer-mismatch', 'sealed event was signed by someone other than its sealer')
  return inner.event
}
