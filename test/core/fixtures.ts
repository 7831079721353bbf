/** Deterministic signed objects for tests and vector generation, and the belief tests' metrics. */
import {
  createEvent,
  createSigner,
  createWorld,
  deriveChallengeId,
  signAttestation,
  signDescriptor,
  signDispute,
  signLinkHint,
  signReceipt,
  signRuleEndorsement,
  utf8,
  type CapabilityManifest,
  type BehaviorAttestation,
  type DisputeEvent,
  type Ed25519Backend,
  type LinkHintEvent,
  type ProbeReceipt,
  type ProviderDescriptor,
  type RuleEndorsementEvent,
  type Event,
  type InferenceMessage,
  type EventBody,
  type MetricsVector,
  type Signer,
  type World,
} from '../../core/index.js'

/** One inference message of each type, as a provider and a client exchange them. */
export const oneOfEachInferenceMessage: InferenceMessage[] = [
  { type: 'request', messages: [{ role: 'user', content: 'reverse: abc\n=' }], maxTokens: 16, temperature: 0 },
  { type: 'start', model: 'terrain-tiny', runtime: 'wasm' },
  { type: 'tokens', texts: ['c', 'b'] },
  { type: 'end', finishReason: 'stop', tokens: 3 },
  { type: 'error', code: 'model-failed', message: 'out of memory' },
]

export const seed = (byte: number) => new Uint8Array(32).fill(byte)

export const manifest: CapabilityManifest = {
  baseModelId: 'terrain-tiny-arith',
  weightsDigest: seed(0x11),
  runtimeId: 'onnxruntime-web/wasm',
  contextLimit: 512,
  toolSchemasDigest: seed(0x12),
  safetyMode: 'standard',
  adapters: [],
}

export const metrics: MetricsVector = {
  successRate: 0.875,
  refusalConsistency: 1,
  toolFidelity: 0.75,
  latencyP50Ms: 42,
  latencyP95Ms: 180,
  robustnessScore: 0.8125,
  driftIndicator: 0.015625,
  freshness: 'strong',
}

/** A prober's metrics with every rate at `rate` and a median latency of `latencyP50Ms` (p95 half as much again). */
export const metricsAt = (rate: number, latencyP50Ms = 200): MetricsVector => ({
  successRate: rate,
  refusalConsistency: rate,
  toolFidelity: rate,
  latencyP50Ms,
  latencyP95Ms: latencyP50Ms * 1.5,
  robustnessScore: rate,
  driftIndicator: 0,
  freshness: 'none',
})

export interface Fixture {
  world: World
  epochId: bigint
  prober: Signer
  provider: Signer
  receipt: ProbeReceipt
  attestation: BehaviorAttestation
  dispute: DisputeEvent
  linkHint: LinkHintEvent
  ruleEndorsement: RuleEndorsementEvent
  descriptor: ProviderDescriptor
  bodies: Record<EventBody['type'], EventBody>
  events: Record<EventBody['type'], Event>
}

export async function fixture(backend?: Ed25519Backend): Promise<Fixture> {
  const world = await createWorld('quiet harbor lantern')
  const epochId = 7n
  const prober = await createSigner(seed(0xa1), backend)
  const provider = await createSigner(seed(0xb2), backend)
  const challengeId = await deriveChallengeId(seed(0x5a).slice(0, 16), utf8('2+2='))
  const common = { world: world.id, epochId, challengeId, targetRef: seed(0x77), targetFah: undefined }
  const receipt = await signReceipt({ ...common, outcomeCommitment: seed(0x66), ticket: undefined }, prober)
  const attestation = await signAttestation(
    { ...common, metrics, evidenceCommitment: seed(0x55), freshnessAnchor: utf8('anchor') },
    prober,
  )
  const descriptor = await signDescriptor(
    {
      world: world.id,
      descriptorEpoch: epochId,
      contactPoints: ['/ip4/127.0.0.1/tcp/9090/ws', '/dns4/relay.example/tcp/443/wss'],
      capability: { type: 'manifest', manifest },
    },
    provider,
  )
  const dispute = await signDispute(
    { world: world.id, epochId, eventA: seed(1), eventB: seed(2), reason: 'success_rate differs by 0.5' },
    prober,
  )
  const linkHint = await signLinkHint(
    { world: world.id, epochId, targetA: seed(3), targetB: seed(4), evidenceCommitment: seed(5), compatibilityScore: 0.9 },
    prober,
  )
  const ruleEndorsement = await signRuleEndorsement(
    { world: world.id, epochId, ruleBundleHash: world.ruleBundleHash, weight: 1 },
    prober,
  )
  const bodies: Fixture['bodies'] = {
    receipt: { type: 'receipt', receipt },
    attestation: { type: 'attestation', attestation },
    dispute: { type: 'dispute', dispute },
    linkHint: { type: 'linkHint', linkHint },
    ruleEndorsement: { type: 'ruleEndorsement', ruleEndorsement },
    descriptorPublish: { type: 'descriptorPublish', descriptorPublish: { world: world.id, epochId, descriptor } },
  }
  const events = {} as Fixture['events']
  for (const [type, body] of Object.entries(bodies)) events[type as EventBody['type']] = await createEvent(body)
  return { world, epochId, prober, provider, receipt, attestation, dispute, linkHint, ruleEndorsement, descriptor, bodies, events }
}
