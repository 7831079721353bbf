/**
 * One event of each kind a store's control-plane index must tell apart: a
 * descriptor and a plain attestation (indexed), a rule endorsement (not),
 * all signed by `signer`. For the control-plane index tests and the store
 * migration tests, which write older layouts by hand.
 */
import { createEvent, createSigner, createWorld, descriptorEvent, sampleAttestationEvent, signRuleEndorsement, type Event, type Signer, type World } from '../../core/index.js'

export async function indexSamples(): Promise<{ world: World; descriptor: Event; attestation: Event; endorsement: Event; signer: Signer }> {
  const world = await createWorld('quiet harbor lantern')
  const provider = await createSigner(new Uint8Array(32).fill(6))
  const descriptor = await descriptorEvent({
    world: world.id,
    epoch: 3n,
    contactPoints: ['/p2p/provider'],
    model: { baseModelId: 'terrain-tiny', weightsDigest: new Uint8Array(32).fill(1), runtimeId: 'wasm', contextLimit: 128 },
    signer: provider,
  })
  const attestation = await sampleAttestationEvent(world.id, provider, 1)
  const ruleEndorsement = await signRuleEndorsement({ world: world.id, epochId: 3n, ruleBundleHash: world.ruleBundleHash, weight: 1 }, provider)
  return { world, descriptor, attestation, endorsement: await createEvent({ type: 'ruleEndorsement', ruleEndorsement }), signer: provider }
}
