/**
 * Domain-separated Ed25519 signing of descriptors and every signed body
 * (PROTOCOL.md §3). Each signed kind has one rule: its domain string, the
 * codec of the object without its signature, and where its signer key sits.
 */
import { concatBytes, equalBytes, utf8 } from './bytes.js'
import { encode, type Codec } from './canonical.js'
import { getEd25519, getPublicKey, type Ed25519Backend } from './ed25519.js'
import { blake3Ready } from './hash.js'
import {
  deriveAttestationIdSync,
  deriveDescriptorIdSync,
  deriveReceiptIdSync,
  descriptorSigningBytes,
} from './ids.js'
import { normalizeDescriptorUnsigned } from './normalize.js'
import {
  behaviorAttestationSigningCodec,
  disputeEventSigningCodec,
  linkHintEventSigningCodec,
  probeReceiptSigningCodec,
  ruleEndorsementEventSigningCodec,
} from './structs.js'
import type {
  BehaviorAttestation,
  DisputeEvent,
  LinkHintEvent,
  ProbeReceipt,
  ProviderDescriptor,
  ProviderDescriptorUnsigned,
  RuleEndorsementEvent,
} from './types.js'

/** A signing identity: a transport key pair and the backend that signs with it. */
export interface Signer {
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Promise<Uint8Array>
}

export async function createSigner(secretKey: Uint8Array, backend?: Ed25519Backend): Promise<Signer> {
  const ed = backend ?? (await getEd25519())
  const publicKey = getPublicKey(secretKey)
  const secret = secretKey.slice()
  return { publicKey, sign: (message) => ed.sign(secret, message) }
}

/** Domain strings of the signed bodies (PROTOCOL.md §3). */
export const SIG_DOMAIN = {
  receipt: utf8('receipt-sig'),
  attestation: utf8('attestation-sig'),
  dispute: utf8('dispute-sig'),
  linkHint: utf8('linkhint-sig'),
  ruleEndorsement: utf8('endorse-sig'),
} as const

/** `DOMAIN || canon(object without its signature)`. */
function signingBytes<T>(domain: Uint8Array, codec: Codec<T>, unsigned: T): Uint8Array {
  return concatBytes(domain, encode(codec, unsigned))
}

export const receiptSigningBytes = (r: Omit<ProbeReceipt, 'signature'>): Uint8Array =>
  signingBytes(SIG_DOMAIN.receipt, probeReceiptSigningCodec, r)
export const attestationSigningBytes = (a: Omit<BehaviorAttestation, 'signature'>): Uint8Array =>
  signingBytes(SIG_DOMAIN.attestation, behaviorAttestationSigningCodec, a)
export const disputeSigningBytes = (d: Omit<DisputeEvent, 'signature'>): Uint8Array =>
  signingBytes(SIG_DOMAIN.dispute, disputeEventSigningCodec, d)
export const linkHintSigningBytes = (l: Omit<LinkHintEvent, 'signature'>): Uint8Array =>
  signingBytes(SIG_DOMAIN.linkHint, linkHintEventSigningCodec, l)
export const ruleEndorsementSigningBytes = (e: Omit<RuleEndorsementEvent, 'signature'>): Uint8Array =>
  signingBytes(SIG_DOMAIN.ruleEndorsement, ruleEndorsementEventSigningCodec, e)

/** Normalise, derive the DescriptorId and sign it: a complete `ProviderDescriptor`. */
export async function signDescriptor(unsigned: ProviderDescriptorUnsigned, signer: Signer): Promise<ProviderDescriptor> {
  await blake3Ready()
  const normalized = normalizeDescriptorUnsigned(unsigned)
  const descriptorId = deriveDescriptorIdSync(normalized)
  const signature = await signer.sign(descriptorSigningBytes(descriptorId, normalized))
  return { descriptorId, unsigned: normalized, providerTransportPubkey: signer.publicKey, signature }
}

export type ReceiptFields = Omit<ProbeReceipt, 'receiptId' | 'signature' | 'proberTransportPubkey'>
export type AttestationFields = Omit<BehaviorAttestation, 'attestationId' | 'signature' | 'proberTransportPubkey'>

export async function signReceipt(fields: ReceiptFields, signer: Signer): Promise<ProbeReceipt> {
  await blake3Ready()
  const withKey = { ...fields, proberTransportPubkey: signer.publicKey }
  const unsigned = { ...withKey, receiptId: deriveReceiptIdSync(withKey) }
  return { ...unsigned, signature: await signer.sign(receiptSigningBytes(unsigned)) }
}

export async function signAttestation(fields: AttestationFields, signer: Signer): Promise<BehaviorAttestation> {
  await blake3Ready()
  const withKey = { ...fields, proberTransportPubkey: signer.publicKey }
  const unsigned = { ...withKey, attestationId: deriveAttestationIdSync(withKey) }
  return { ...unsigned, signature: await signer.sign(attestationSigningBytes(unsigned)) }
}

export async function signDispute(
  fields: Omit<DisputeEvent, 'signature' | 'disputerTransportPubkey'>,
  signer: Signer,
): Promise<DisputeEvent> {
  const unsigned = { ...fields, disputerTransportPubkey: signer.publicKey }
  return { ...unsigned, signature: await signer.sign(disputeSigningBytes(unsigned)) }
}

export async function signLinkHint(
  fields: Omit<LinkHintEvent, 'signature' | 'signerTransportPubkey'>,
  signer: Signer,
): Promise<LinkHintEvent> {
  const unsigned = { ...fields, signerTransportPubkey: signer.publicKey }
  return { ...unsigned, signature: await signer.sign(linkHintSigningBytes(unsigned)) }
}

export async function signRuleEndorsement(
  fields: Omit<RuleEndorsementEvent, 'signature' | 'signerTransportPubkey'>,
  signer: Signer,
): Promise<RuleEndorsementEvent> {
  const unsigned = { ...fields, signerTransportPubkey: signer.publicKey }
  return { ...unsigned, signature: await signer.sign(ruleEndorsementSigningBytes(unsigned)) }
}

/** Why a descriptor fails verification, or null when it is valid. */
export type DescriptorFault = 'descriptor-id-mismatch' | 'bad-key' | 'bad-signature'

/** Checks a descriptor's id and signature; assumes it came from the strict decoder (so it is normalised). */
export async function checkDescriptor(d: ProviderDescriptor, ed?: Ed25519Backend): Promise<DescriptorFault | null> {
  await blake3Ready()
  if (!equalBytes(deriveDescriptorIdSync(d.unsigned), d.descriptorId)) return 'descriptor-id-mismatch'
  if (d.providerTransportPubkey.length !== 32) return 'bad-key'
  const backend = ed ?? (await getEd25519())
  const ok = await backend.verify(d.providerTransportPubkey, descriptorSigningBytes(d.descriptorId, d.unsigned), d.signature)
  return ok ? null : 'bad-signature'
}
