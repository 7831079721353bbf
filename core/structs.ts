/**
 * Codecs for every struct of PROTOCOL.md §2, fields in normative order.
 * Repeated fields that the protocol sorts (`contact_points`, `adapters`) are
 * declared with their order, so unsorted or duplicated input is refused both
 * ways; `normalize.ts` sorts caller input before it reaches these codecs.
 */
import { compareBytes, utf8 } from './bytes.js'
import {
  bytes,
  bytes32,
  decode,
  encode,
  f64,
  option,
  string,
  struct,
  taggedEnum,
  u32,
  u64,
  unitEnum,
  vec,
  type Codec,
} from './canonical.js'
import {
  EVENT_TYPES,
  type Adapter,
  type BehaviorAttestation,
  type CapabilityManifest,
  type DescriptorCapability,
  type DescriptorPublishEvent,
  type DisputeEvent,
  type Event,
  type EventBody,
  type FreshnessStrength,
  type LinkHintEvent,
  type MetricsVector,
  type ProbeReceipt,
  type ProbeTicket,
  type ProviderDescriptor,
  type ProviderDescriptorUnsigned,
  type RuleBundle,
  type RuleEndorsementEvent,
  type TerrainAddress,
  type VersionVectorEntry,
} from './types.js'

/** `contact_points` order: UTF-8 byte order (not JS's UTF-16 order). */
export function compareUtf8(a: string, b: string): number {
  return a === b ? 0 : compareBytes(utf8(a), utf8(b))
}

/** `adapters` order: by (adapter_type, adapter_id, adapter_digest). */
export function compareAdapters(a: Adapter, b: Adapter): number {
  return (
    compareUtf8(a.adapterType, b.adapterType) ||
    compareUtf8(a.adapterId, b.adapterId) ||
    compareBytes(a.adapterDigest, b.adapterDigest)
  )
}

export const ruleBundleCodec = struct<RuleBundle>('RuleBundle', [
  ['version', u32],
  ['epochLenMs', u64],
  ['explorationRate', f64],
  ['disagreementQuarantineThreshold', f64],
  ['minDiverseProbers', u32],
  ['maxProbeRedundancy', u32],
  ['defaultCircuitLen', u32],
  ['relayBatchMaxDelayMs', u32],
  ['fixedCellBytes', u32],
  ['wSuccess', f64],
  ['wToolFidelity', f64],
  ['wLatency', f64],
  ['wRefusalConsistency', f64],
  ['wRobustness', f64],
])

export const adapterCodec = struct<Adapter>('Adapter', [
  ['adapterType', string],
  ['adapterId', string],
  ['adapterDigest', bytes32],
])

export const capabilityManifestCodec = struct<CapabilityManifest>('CapabilityManifest', [
  ['baseModelId', string],
  ['weightsDigest', bytes32],
  ['runtimeId', string],
  ['contextLimit', u32],
  ['toolSchemasDigest', bytes32],
  ['safetyMode', string],
  ['adapters', vec(adapterCodec, compareAdapters)],
])

export const descriptorCapabilityCodec = taggedEnum<DescriptorCapability>('DescriptorCapability', [
  ['fah', 'fah', bytes32 as Codec<unknown>],
  ['manifest', 'manifest', capabilityManifestCodec as Codec<unknown>],
])

export const providerDescriptorUnsignedCodec = struct<ProviderDescriptorUnsigned>('ProviderDescriptorUnsigned', [
  ['world', bytes32],
  ['descriptorEpoch', u64],
  ['contactPoints', vec(string, compareUtf8)],
  ['capability', descriptorCapabilityCodec],
])

export const providerDescriptorCodec = struct<ProviderDescriptor>('ProviderDescriptor', [
  ['descriptorId', bytes32],
  ['unsigned', providerDescriptorUnsignedCodec],
  ['providerTransportPubkey', bytes],
  ['signature', bytes],
])

export const probeTicketCodec = struct<ProbeTicket>('ProbeTicket', [
  ['ticketBytes', bytes],
  ['paramsN', u32],
  ['paramsR', u32],
  ['paramsP', u32],
])

export const freshnessStrengthCodec = unitEnum<FreshnessStrength>('FreshnessStrength', ['none', 'weak', 'strong'])

export const metricsVectorCodec = struct<MetricsVector>('MetricsVector', [
  ['successRate', f64],
  ['refusalConsistency', f64],
  ['toolFidelity', f64],
  ['latencyP50Ms', u32],
  ['latencyP95Ms', u32],
  ['robustnessScore', f64],
  ['driftIndicator', f64],
  ['freshness', freshnessStrengthCodec],
])

const receiptHeadFields = [
  ['world', bytes32],
  ['epochId', u64],
  ['challengeId', bytes32],
  ['targetRef', bytes32],
  ['targetFah', option(bytes32)],
  ['outcomeCommitment', bytes32],
  ['ticket', option(probeTicketCodec)],
  ['proberTransportPubkey', bytes],
] as const

export const probeReceiptCodec = struct<ProbeReceipt>('ProbeReceipt', [
  ['receiptId', bytes32],
  ...receiptHeadFields,
  ['signature', bytes],
])

/** `ProbeReceipt` without `receipt_id` and `signature`: the ReceiptId preimage. */
export const probeReceiptIdPreimageCodec = struct<Omit<ProbeReceipt, 'receiptId' | 'signature'>>(
  'ProbeReceipt',
  [...receiptHeadFields],
)

/** `ProbeReceipt` without `signature`: what the prober signs after "receipt-sig". */
export const probeReceiptSigningCodec = struct<Omit<ProbeReceipt, 'signature'>>('ProbeReceipt', [
  ['receiptId', bytes32],
  ...receiptHeadFields,
])

const attestationHeadFields = [
  ['world', bytes32],
  ['epochId', u64],
  ['challengeId', bytes32],
  ['targetRef', bytes32],
  ['targetFah', option(bytes32)],
  ['metrics', metricsVectorCodec],
  ['evidenceCommitment', bytes32],
  ['freshnessAnchor', option(bytes)],
  ['proberTransportPubkey', bytes],
] as const

export const behaviorAttestationCodec = struct<BehaviorAttestation>('BehaviorAttestation', [
  ['attestationId', bytes32],
  ...attestationHeadFields,
  ['signature', bytes],
])

export const behaviorAttestationIdPreimageCodec = struct<
  Omit<BehaviorAttestation, 'attestationId' | 'signature'>
>('BehaviorAttestation', [...attestationHeadFields])

export const behaviorAttestationSigningCodec = struct<Omit<BehaviorAttestation, 'signature'>>(
  'BehaviorAttestation',
  [['attestationId', bytes32], ...attestationHeadFields],
)

const disputeFields = [
  ['world', bytes32],
  ['epochId', u64],
  ['eventA', bytes32],
  ['eventB', bytes32],
  ['reason', string],
  ['disputerTransportPubkey', bytes],
] as const

export const disputeEventCodec = struct<DisputeEvent>('DisputeEvent', [...disputeFields, ['signature', bytes]])
export const disputeEventSigningCodec = struct<Omit<DisputeEvent, 'signature'>>('DisputeEvent', [...disputeFields])

const linkHintFields = [
  ['world', bytes32],
  ['epochId', u64],
  ['targetA', bytes32],
  ['targetB', bytes32],
  ['evidenceCommitment', bytes32],
  ['compatibilityScore', f64],
  ['signerTransportPubkey', bytes],
] as const

export const linkHintEventCodec = struct<LinkHintEvent>('LinkHintEvent', [...linkHintFields, ['signature', bytes]])
export const linkHintEventSigningCodec = struct<Omit<LinkHintEvent, 'signature'>>('LinkHintEvent', [
  ...linkHintFields,
])

const ruleEndorsementFields = [
  ['world', bytes32],
  ['epochId', u64],
  ['ruleBundleHash', bytes32],
  ['weight', f64],
  ['signerTransportPubkey', bytes],
] as const

export const ruleEndorsementEventCodec = struct<RuleEndorsementEvent>('RuleEndorsementEvent', [
  ...ruleEndorsementFields,
  ['signature', bytes],
])
export const ruleEndorsementEventSigningCodec = struct<Omit<RuleEndorsementEvent, 'signature'>>(
  'RuleEndorsementEvent',
  [...ruleEndorsementFields],
)

export const descriptorPublishEventCodec = struct<DescriptorPublishEvent>('DescriptorPublishEvent', [
  ['world', bytes32],
  ['epochId', u64],
  ['descriptor', providerDescriptorCodec],
])

export const eventTypeCodec = unitEnum('EventType', EVENT_TYPES)

export const eventBodyCodec = taggedEnum<EventBody>('EventBody', [
  ['receipt', 'receipt', probeReceiptCodec as Codec<unknown>],
  ['attestation', 'attestation', behaviorAttestationCodec as Codec<unknown>],
  ['dispute', 'dispute', disputeEventCodec as Codec<unknown>],
  ['linkHint', 'linkHint', linkHintEventCodec as Codec<unknown>],
  ['ruleEndorsement', 'ruleEndorsement', ruleEndorsementEventCodec as Codec<unknown>],
  ['descriptorPublish', 'descriptorPublish', descriptorPublishEventCodec as Codec<unknown>],
])

const eventFields = [
  ['world', bytes32],
  ['epochId', u64],
  ['eventType', eventTypeCodec],
  ['body', eventBodyCodec],
] as const

export const eventCodec = struct<Event>('Event', [['eventId', bytes32], ...eventFields])

/** `Event` without `event_id`: the EventId preimage. */
export const eventIdPreimageCodec = struct<Omit<Event, 'eventId'>>('Event', [...eventFields])

export const versionVectorEntryCodec = struct<VersionVectorEntry>('VersionVectorEntry', [
  ['replicaId', bytes32],
  ['counter', u64],
])

export const terrainAddressCodec = struct<TerrainAddress>('TerrainAddress', [
  ['epochId', u64],
  ['regionId', u64],
  ['chunkId', u64],
  ['cellId', u32],
])

/** Every top-level codec by struct name, for generic tests and tooling. */
export const codecs = {
  RuleBundle: ruleBundleCodec,
  Adapter: adapterCodec,
  CapabilityManifest: capabilityManifestCodec,
  DescriptorCapability: descriptorCapabilityCodec,
  ProviderDescriptorUnsigned: providerDescriptorUnsignedCodec,
  ProviderDescriptor: providerDescriptorCodec,
  ProbeTicket: probeTicketCodec,
  FreshnessStrength: freshnessStrengthCodec,
  MetricsVector: metricsVectorCodec,
  ProbeReceipt: probeReceiptCodec,
  BehaviorAttestation: behaviorAttestationCodec,
  DisputeEvent: disputeEventCodec,
  LinkHintEvent: linkHintEventCodec,
  RuleEndorsementEvent: ruleEndorsementEventCodec,
  DescriptorPublishEvent: descriptorPublishEventCodec,
  EventType: eventTypeCodec,
  EventBody: eventBodyCodec,
  Event: eventCodec,
  VersionVectorEntry: versionVectorEntryCodec,
  TerrainAddress: terrainAddressCodec,
} as const

export type StructName = keyof typeof codecs

export const encodeEvent = (event: Event): Uint8Array => encode(eventCodec, event)
export const decodeEvent = (input: Uint8Array): Event => decode(eventCodec, input)
export const encodeTerrainAddress = (address: TerrainAddress): Uint8Array => encode(terrainAddressCodec, address)
export const decodeTerrainAddress = (input: Uint8Array): TerrainAddress => decode(terrainAddressCodec, input)
