/** fast-check arbitraries for every protocol struct, producing only canonical values. */
import fc from 'fast-check'
import {
  compareAdapters,
  compareUtf8,
  EVENT_TYPES,
  type Adapter,
  type BehaviorAttestation,
  type CapabilityManifest,
  type DescriptorCapability,
  type DescriptorPublishEvent,
  type DisputeEvent,
  type Event,
  type EventBody,
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
} from '../../core/index.js'

export const u32 = fc.integer({ min: 0, max: 0xffff_ffff })
export const u64 = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn })
/** Finite doubles with -0 mapped to +0, as the encoder writes them. */
export const f64 = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x))
export const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
export const bytes = fc.uint8Array({ maxLength: 80 })
export const text = fc.string({ unit: 'grapheme', maxLength: 24 })

function sortedUnique<T>(arb: fc.Arbitrary<T[]>, order: (a: T, b: T) => number): fc.Arbitrary<T[]> {
  return arb.map((items) => {
    const sorted = [...items].sort(order)
    return sorted.filter((x, i) => i === 0 || order(sorted[i - 1]!, x) !== 0)
  })
}

export const ruleBundle: fc.Arbitrary<RuleBundle> = fc.record({
  version: u32,
  epochLenMs: u64,
  explorationRate: f64,
  disagreementQuarantineThreshold: f64,
  minDiverseProbers: u32,
  maxProbeRedundancy: u32,
  defaultCircuitLen: u32,
  relayBatchMaxDelayMs: u32,
  fixedCellBytes: u32,
  wSuccess: f64,
  wToolFidelity: f64,
  wLatency: f64,
  wRefusalConsistency: f64,
  wRobustness: f64,
})

export const adapter: fc.Arbitrary<Adapter> = fc.record({ adapterType: text, adapterId: text, adapterDigest: bytes32 })

export const capabilityManifest: fc.Arbitrary<CapabilityManifest> = fc.record({
  baseModelId: text,
  weightsDigest: bytes32,
  runtimeId: text,
  contextLimit: u32,
  toolSchemasDigest: bytes32,
  safetyMode: text,
  adapters: sortedUnique(fc.array(adapter, { maxLength: 4 }), compareAdapters),
})

export const descriptorCapability: fc.Arbitrary<DescriptorCapability> = fc.oneof(
  bytes32.map((fah) => ({ type: 'fah' as const, fah })),
  capabilityManifest.map((manifest) => ({ type: 'manifest' as const, manifest })),
)

export const providerDescriptorUnsigned: fc.Arbitrary<ProviderDescriptorUnsigned> = fc.record({
  world: bytes32,
  descriptorEpoch: u64,
  contactPoints: sortedUnique(fc.array(text, { maxLength: 4 }), compareUtf8),
  capability: descriptorCapability,
})

export const providerDescriptor: fc.Arbitrary<ProviderDescriptor> = fc.record({
  descriptorId: bytes32,
  unsigned: providerDescriptorUnsigned,
  providerTransportPubkey: bytes,
  signature: bytes,
})

export const probeTicket: fc.Arbitrary<ProbeTicket> = fc.record({ ticketBytes: bytes, paramsN: u32, paramsR: u32, paramsP: u32 })

export const metricsVector: fc.Arbitrary<MetricsVector> = fc.record({
  successRate: f64,
  refusalConsistency: f64,
  toolFidelity: f64,
  latencyP50Ms: u32,
  latencyP95Ms: u32,
  robustnessScore: f64,
  driftIndicator: f64,
  freshness: fc.constantFrom('none' as const, 'weak' as const, 'strong' as const),
})

const option = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })

export const probeReceipt: fc.Arbitrary<ProbeReceipt> = fc.record({
  receiptId: bytes32,
  world: bytes32,
  epochId: u64,
  challengeId: bytes32,
  targetRef: bytes32,
  targetFah: option(bytes32),
  outcomeCommitment: bytes32,
  ticket: option(probeTicket),
  proberTransportPubkey: bytes,
  signature: bytes,
})

export const behaviorAttestation: fc.Arbitrary<BehaviorAttestation> = fc.record({
  attestationId: bytes32,
  world: bytes32,
  epochId: u64,
  challengeId: bytes32,
  targetRef: bytes32,
  targetFah: option(bytes32),
  metrics: metricsVector,
  evidenceCommitment: bytes32,
  freshnessAnchor: option(bytes),
  proberTransportPubkey: bytes,
  signature: bytes,
})

export const disputeEvent: fc.Arbitrary<DisputeEvent> = fc.record({
  world: bytes32,
  epochId: u64,
  eventA: bytes32,
  eventB: bytes32,
  reason: text,
  disputerTransportPubkey: bytes,
  signature: bytes,
})

export const linkHintEvent: fc.Arbitrary<LinkHintEvent> = fc.record({
  world: bytes32,
  epochId: u64,
  targetA: bytes32,
  targetB: bytes32,
  evidenceCommitment: bytes32,
  compatibilityScore: f64,
  signerTransportPubkey: bytes,
  signature: bytes,
})

export const ruleEndorsementEvent: fc.Arbitrary<RuleEndorsementEvent> = fc.record({
  world: bytes32,
  epochId: u64,
  ruleBundleHash: bytes32,
  weight: f64,
  signerTransportPubkey: bytes,
  signature: bytes,
})

export const descriptorPublishEvent: fc.Arbitrary<DescriptorPublishEvent> = fc.record({
  world: bytes32,
  epochId: u64,
  descriptor: providerDescriptor,
})

export const eventBody: fc.Arbitrary<EventBody> = fc.oneof(
  probeReceipt.map((receipt) => ({ type: 'receipt' as const, receipt })),
  behaviorAttestation.map((attestation) => ({ type: 'attestation' as const, attestation })),
  disputeEvent.map((dispute) => ({ type: 'dispute' as const, dispute })),
  linkHintEvent.map((linkHint) => ({ type: 'linkHint' as const, linkHint })),
  ruleEndorsementEvent.map((ruleEndorsement) => ({ type: 'ruleEndorsement' as const, ruleEndorsement })),
  descriptorPublishEvent.map((descriptorPublish) => ({ type: 'descriptorPublish' as const, descriptorPublish })),
)

export const event: fc.Arbitrary<Event> = fc.record({
  eventId: bytes32,
  world: bytes32,
  epochId: u64,
  eventType: fc.constantFrom(...EVENT_TYPES),
  body: eventBody,
})

export const versionVectorEntry: fc.Arbitrary<VersionVectorEntry> = fc.record({ replicaId: bytes32, counter: u64 })

export const terrainAddress: fc.Arbitrary<TerrainAddress> = fc.record({
  epochId: u64,
  regionId: u64,
  chunkId: u64,
  cellId: u32,
})

/** One arbitrary per struct codec name in `codecs`. */
export const arbitraries = {
  RuleBundle: ruleBundle,
  Adapter: adapter,
  CapabilityManifest: capabilityManifest,
  DescriptorCapability: descriptorCapability,
  ProviderDescriptorUnsigned: providerDescriptorUnsigned,
  ProviderDescriptor: providerDescriptor,
  ProbeTicket: probeTicket,
  FreshnessStrength: fc.constantFrom('none' as const, 'weak' as const, 'strong' as const),
  MetricsVector: metricsVector,
  ProbeReceipt: probeReceipt,
  BehaviorAttestation: behaviorAttestation,
  DisputeEvent: disputeEvent,
  LinkHintEvent: linkHintEvent,
  RuleEndorsementEvent: ruleEndorsementEvent,
  DescriptorPublishEvent: descriptorPublishEvent,
  EventType: fc.constantFrom(...EVENT_TYPES),
  EventBody: eventBody,
  Event: event,
  VersionVectorEntry: versionVectorEntry,
  TerrainAddress: terrainAddress,
} as const
