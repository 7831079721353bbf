/**
 * The protocol structs of PROTOCOL.md §2 as TypeScript values. Field names are
 * the camelCase of the spec's; `u64` is `bigint`, `u32` is `number`,
 * `Bytes32` and `bytes` are `Uint8Array`, `Option<T>` is `T | undefined`.
 */

export type Bytes32 = Uint8Array

export interface RuleBundle {
  version: number
  epochLenMs: bigint
  explorationRate: number
  disagreementQuarantineThreshold: number
  minDiverseProbers: number
  maxProbeRedundancy: number
  defaultCircuitLen: number
  relayBatchMaxDelayMs: number
  fixedCellBytes: number
  wSuccess: number
  wToolFidelity: number
  wLatency: number
  wRefusalConsistency: number
  wRobustness: number
}

export interface Adapter {
  adapterType: string
  adapterId: string
  adapterDigest: Bytes32
}

export interface CapabilityManifest {
  baseModelId: string
  weightsDigest: Bytes32
  runtimeId: string
  contextLimit: number
  toolSchemasDigest: Bytes32
  safetyMode: string
  adapters: Adapter[]
}

export type DescriptorCapability =
  | { type: 'fah'; fah: Bytes32 }
  | { type: 'manifest'; manifest: CapabilityManifest }

export interface ProviderDescriptorUnsigned {
  world: Bytes32
  descriptorEpoch: bigint
  contactPoints: string[]
  capability: DescriptorCapability
}

export interface ProviderDescriptor {
  descriptorId: Bytes32
  unsigned: ProviderDescriptorUnsigned
  providerTransportPubkey: Uint8Array
  signature: Uint8Array
}

export interface ProbeTicket {
  ticketBytes: Uint8Array
  paramsN: number
  paramsR: number
  paramsP: number
}

export type FreshnessStrength = 'none' | 'weak' | 'strong'

export interface MetricsVector {
  successRate: number
  refusalConsistency: number
  toolFidelity: number
  latencyP50Ms: number
  latencyP95Ms: number
  robustnessScore: number
  driftIndicator: number
  freshness: FreshnessStrength
}

export interface ProbeReceipt {
  receiptId: Bytes32
  world: Bytes32
  epochId: bigint
  challengeId: Bytes32
  targetRef: Bytes32
  targetFah: Bytes32 | undefined
  outcomeCommitment: Bytes32
  ticket: ProbeTicket | undefined
  proberTransportPubkey: Uint8Array
  signature: Uint8Array
}

export interface BehaviorAttestation {
  attestationId: Bytes32
  world: Bytes32
  epochId: bigint
  challengeId: Bytes32
  targetRef: Bytes32
  targetFah: Bytes32 | undefined
  metrics: MetricsVector
  evidenceCommitment: Bytes32
  freshnessAnchor: Uint8Array | undefined
  proberTransportPubkey: Uint8Array
  signature: Uint8Array
}

export interface DisputeEvent {
  world: Bytes32
  epochId: bigint
  eventA: Bytes32
  eventB: Bytes32
  reason: string
  disputerTransportPubkey: Uint8Array
  signature: Uint8Array
}

export interface LinkHintEvent {
  world: Bytes32
  epochId: bigint
  targetA: Bytes32
  targetB: Bytes32
  evidenceCommitment: Bytes32
  compatibilityScore: number
  signerTransportPubkey: Uint8Array
  signature: Uint8Array
}

export interface RuleEndorsementEvent {
  world: Bytes32
  epochId: bigint
  ruleBundleHash: Bytes32
  weight: number
  signerTransportPubkey: Uint8Array
  signature: Uint8Array
}

export interface DescriptorPublishEvent {
  world: Bytes32
  epochId: bigint
  descriptor: ProviderDescriptor
}

export const EVENT_TYPES = [
  'unspecified',
  'receipt',
  'attestation',
  'dispute',
  'linkHint',
  'ruleEndorsement',
  'shard',
  'verdict',
  'trainingManifest',
  'descriptorPublish',
] as const

export type EventType = (typeof EVENT_TYPES)[number]

export type EventBody =
  | { type: 'receipt'; receipt: ProbeReceipt }
  | { type: 'attestation'; attestation: BehaviorAttestation }
  | { type: 'dispute'; dispute: DisputeEvent }
  | { type: 'linkHint'; linkHint: LinkHintEvent }
  | { type: 'ruleEndorsement'; ruleEndorsement: RuleEndorsementEvent }
  | { type: 'descriptorPublish'; descriptorPublish: DescriptorPublishEvent }

export type EventBodyType = EventBody['type']

export interface Event {
  eventId: Bytes32
  world: Bytes32
  epochId: bigint
  eventType: EventType
  body: EventBody
}

export interface VersionVectorEntry {
  replicaId: Bytes32
  counter: bigint
}

export interface TerrainAddress {
  epochId: bigint
  regionId: bigint
  chunkId: bigint
  cellId: number
}
