/**
 * Every identifier and derivation of PROTOCOL.md §3. `H` is BLAKE3-256 and
 * `HK` its keyed mode; literal strings are ASCII with no length prefix.
 * Each function returns a promise because the hasher loads lazily; after
 * `blake3Ready()` the `…Sync` forms avoid the await on hot paths.
 */
import { concatBytes, le64, utf8 } from './bytes.js'
import { CanonError, encode, toU64 } from './canonical.js'
import { TerrainError } from './errors.js'
import { blake3, blake3Ready, blake3Sync, blake3WithKey } from './hash.js'
import { normalizeDescriptorUnsigned, normalizeManifest } from './normalize.js'
import {
  behaviorAttestationIdPreimageCodec,
  capabilityManifestCodec,
  eventIdPreimageCodec,
  metricsVectorCodec,
  probeReceiptIdPreimageCodec,
  providerDescriptorUnsignedCodec,
  ruleBundleCodec,
} from './structs.js'
import type {
  BehaviorAttestation,
  Bytes32,
  CapabilityManifest,
  Event,
  MetricsVector,
  ProbeReceipt,
  ProviderDescriptorUnsigned,
  RuleBundle,
} from './types.js'
import { checkWorldPhrase } from './world-phrase.js'

const DOMAIN = {
  world: utf8('world'),
  fah: utf8('fah'),
  descriptor: utf8('descriptor'),
  cpk: utf8('cpk'),
  targetref: utf8('targetref'),
  handle: utf8('handle'),
  replica: utf8('replica'),
  bah: utf8('bah'),
} as const

function check32(value: Uint8Array, what: string): void {
  if (!(value instanceof Uint8Array) || value.length !== 32) {
    throw new CanonError('wrong-length', what, 'expected 32 bytes')
  }
}

function epochBytes(epochId: bigint): Uint8Array {
  const epoch = toU64(epochId)
  if (epoch === undefined) throw new CanonError('out-of-range', 'epochId', `not a u64: ${String(epochId)}`)
  return le64(epoch)
}

export function ruleBundleHashSync(bundle: RuleBundle): Bytes32 {
  return blake3Sync(encode(ruleBundleCodec, bundle))
}

/** `RuleBundleHash = H(canon(RuleBundle))`. */
export async function ruleBundleHash(bundle: RuleBundle): Promise<Bytes32> {
  await blake3Ready()
  return ruleBundleHashSync(bundle)
}

/** `WorldId = H("world" || phrase_norm || RuleBundleHash)`; the phrase must have 3–4 words. */
export async function deriveWorldId(phrase: string, bundle: RuleBundle): Promise<Bytes32> {
  const { normalized } = checkWorldPhrase(phrase)
  const bundleHash = await ruleBundleHash(bundle)
  return blake3Sync(DOMAIN.world, utf8(normalized), bundleHash)
}

export function deriveFahSync(manifest: CapabilityManifest): Bytes32 {
  return blake3Sync(DOMAIN.fah, encode(capabilityManifestCodec, normalizeManifest(manifest)))
}

/** `FAH = H("fah" || canon(CapabilityManifest))`, the manifest normalised first. */
export async function deriveFah(manifest: CapabilityManifest): Promise<Bytes32> {
  await blake3Ready()
  return deriveFahSync(manifest)
}

/** DescriptorId preimage check without normalising: what a received descriptor must already be. */
export function deriveDescriptorIdSync(unsigned: ProviderDescriptorUnsigned): Bytes32 {
  return blake3Sync(DOMAIN.descriptor, encode(providerDescriptorUnsignedCodec, unsigned))
}

/** `DescriptorId = H("descriptor" || canon(ProviderDescriptorUnsigned))`, normalised first. */
export async function deriveDescriptorId(unsigned: ProviderDescriptorUnsigned): Promise<Bytes32> {
  await blake3Ready()
  return deriveDescriptorIdSync(normalizeDescriptorUnsigned(unsigned))
}

/** The bytes a provider signs: `"desc-sig" || world || descriptor_id || canon(unsigned)`. */
export function descriptorSigningBytes(descriptorId: Bytes32, unsigned: ProviderDescriptorUnsigned): Uint8Array {
  check32(descriptorId, 'descriptorId')
  return concatBytes(utf8('desc-sig'), unsigned.world, descriptorId, encode(providerDescriptorUnsignedCodec, unsigned))
}

/** Control-plane key of an epoch: `HK(master_key, "cpk" || WorldId || le64(epoch_id))`. */
export async function deriveControlPlaneKey(masterKey: Bytes32, worldId: Bytes32, epochId: bigint): Promise<Bytes32> {
  check32(worldId, 'worldId')
  return blake3WithKey(masterKey, DOMAIN.cpk, worldId, epochBytes(epochId))
}

/** `TargetRef = HK(cpk_epoch, "targetref" || WorldId || le64(epoch_id) || DescriptorId)`. */
export async function deriveTargetRef(
  controlPlaneKey: Bytes32,
  worldId: Bytes32,
  epochId: bigint,
  descriptorId: Bytes32,
): Promise<Bytes32> {
  check32(worldId, 'worldId')
  check32(descriptorId, 'descriptorId')
  return blake3WithKey(controlPlaneKey, DOMAIN.targetref, worldId, epochBytes(epochId), descriptorId)
}

/** Observer-local `Handle = H("handle" || observer_secret || observed_fingerprint)`; never sent. */
export async function deriveHandle(observerSecret: Uint8Array, observedFingerprint: Uint8Array): Promise<Bytes32> {
  return blake3(DOMAIN.handle, observerSecret, observedFingerprint)
}

export function deriveReplicaIdSync(transportPubkey: Uint8Array, worldId: Bytes32, epochId: bigint): Bytes32 {
  check32(worldId, 'worldId')
  return blake3Sync(DOMAIN.replica, transportPubkey, worldId, epochBytes(epochId))
}

/** Rotating `replica_id = H("replica" || transport_pubkey || WorldId || le64(epoch_id))`. */
export async function deriveReplicaId(transportPubkey: Uint8Array, worldId: Bytes32, epochId: bigint): Promise<Bytes32> {
  await blake3Ready()
  return deriveReplicaIdSync(transportPubkey, worldId, epochId)
}

export function deriveReceiptIdSync(receipt: Omit<ProbeReceipt, 'receiptId' | 'signature'>): Bytes32 {
  return blake3Sync(encode(probeReceiptIdPreimageCodec, receipt))
}

/** `ReceiptId = H(canon(ProbeReceipt without receipt_id and signature))`. */
export async function deriveReceiptId(receipt: Omit<ProbeReceipt, 'receiptId' | 'signature'>): Promise<Bytes32> {
  await blake3Ready()
  return deriveReceiptIdSync(receipt)
}

export function deriveAttestationIdSync(att: Omit<BehaviorAttestation, 'attestationId' | 'signature'>): Bytes32 {
  return blake3Sync(encode(behaviorAttestationIdPreimageCodec, att))
}

/** `AttestationId = H(canon(BehaviorAttestation without attestation_id and signature))`. */
export async function deriveAttestationId(
  att: Omit<BehaviorAttestation, 'attestationId' | 'signature'>,
): Promise<Bytes32> {
  await blake3Ready()
  return deriveAttestationIdSync(att)
}

export function deriveEventIdSync(event: Omit<Event, 'eventId'>): Bytes32 {
  return blake3Sync(encode(eventIdPreimageCodec, event))
}

/** `EventId = H(canon(Event without event_id))`. */
export async function deriveEventId(event: Omit<Event, 'eventId'>): Promise<Bytes32> {
  await blake3Ready()
  return deriveEventIdSync(event)
}

/**
 * `BAH = H("bah" || FAH || le64(epoch_id) || canon(aggregate metrics) [|| verifier multisig])`.
 * The multisig, when present, is appended as raw bytes.
 */
export async function deriveBah(
  fah: Bytes32,
  epochId: bigint,
  aggregateMetrics: MetricsVector,
  verifierMultisig?: Uint8Array,
): Promise<Bytes32> {
  check32(fah, 'fah')
  const parts = [DOMAIN.bah, fah, epochBytes(epochId), encode(metricsVectorCodec, aggregateMetrics)]
  if (verifierMultisig) parts.push(verifierMultisig)
  return blake3(...parts)
}

/** Probe challenge ids are commitments: `H(salt || challenge)`, never literal prompt ids. */
export async function deriveChallengeId(salt: Uint8Array, challenge: Uint8Array): Promise<Bytes32> {
  if (salt.length < 16) throw new TerrainError('weak-salt', 'a challenge commitment needs a salt of at least 16 bytes')
  return blake3(salt, challenge)
}
