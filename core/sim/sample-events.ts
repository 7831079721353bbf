/** Signed sample events for the simulator, benchmarks and tests: real signatures, distinct content per `n`. */
import { createEvent } from '../events.js'
import { signAttestation, type Signer } from '../signing.js'
import type { Bytes32, Event } from '../types.js'

/** A signed attestation event of `world`, distinct for every `n` (a u32) and epoch. */
export async function sampleAttestationEvent(world: Bytes32, signer: Signer, n: number, epochId = 1n): Promise<Event> {
  const challengeId = new Uint8Array(32)
  new DataView(challengeId.buffer).setUint32(0, n)
  const attestation = await signAttestation(
    {
      world,
      epochId,
      challengeId,
      targetRef: new Uint8Array(32).fill(0x7e),
      targetFah: undefined,
      metrics: {
        successRate: (n % 100) / 100,
        refusalConsistency: 1,
        toolFidelity: 0.5,
        latencyP50Ms: 100 + (n % 1000),
        latencyP95Ms: 400 + (n % 1000),
        robustnessScore: 0.75,
        driftIndicator: 0,
        freshness: 'weak',
      },
      evidenceCommitment: new Uint8Array(32).fill(0x91),
      freshnessAnchor: undefined,
    },
    signer,
  )
  return createEvent({ type: 'attestation', attestation })
}
