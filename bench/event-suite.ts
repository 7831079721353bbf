/**
 * The event-pipeline benchmark of a realistic signed BehaviorAttestation
 * event, beside the raw BLAKE3 and Ed25519 rates measured in the same run.
 * Runtime-agnostic: the same code runs in Node and in a Chromium worker.
 */
import {
  attestationSigningBytes,
  blake3Ready,
  blake3Sync,
  createEvent,
  createSigner,
  decodeEvent,
  deriveAttestationIdSync,
  deriveEventIdSync,
  encodeEvent,
  getEd25519,
  signAttestation,
  validateEventBytes,
  type AttestationFields,
  type BehaviorAttestation,
  type Event,
} from '../core/index.js'
import { measureRates, type Rate } from './measure.js'

export interface Figure {
  name: string
  opsPerSecond: number
  /** Name of the raw primitive it is compared with, and the ratio to it. */
  baseline?: string
  ratio?: number
}

export interface SuiteResult {
  runtime: string
  ed25519Backend: string
  eventBytes: number
  figures: Figure[]
}

const fill = (b: number) => new Uint8Array(32).fill(b)

/** The fields a prober attests after an epoch of probes of one target. */
const attestationFields = (world: Uint8Array): AttestationFields => ({
  world,
  epochId: 2_891_204n,
  challengeId: fill(0x3c),
  targetRef: fill(0x7e),
  targetFah: fill(0x2a),
  metrics: {
    successRate: 0.9166666666666666,
    refusalConsistency: 0.96,
    toolFidelity: 0.875,
    latencyP50Ms: 143,
    latencyP95Ms: 612,
    robustnessScore: 0.8333333333333334,
    driftIndicator: 0.0213,
    freshness: 'strong',
  },
  evidenceCommitment: fill(0x91),
  freshnessAnchor: fill(0x44),
})

export async function runEventSuite(runtime: string, rounds = 5, minMs = 200): Promise<SuiteResult> {
  await blake3Ready()
  const ed = await getEd25519()
  const secret = fill(0x5e)
  const signer = await createSigner(secret, ed)
  const fields = attestationFields(fill(0x95))
  const event: Event = await createEvent({ type: 'attestation', attestation: await signAttestation(fields, signer) })
  const attestation = (event.body as { attestation: BehaviorAttestation }).attestation
  const bytes = encodeEvent(event)
  const signed = attestationSigningBytes(attestation)
  const { eventId: _, ...eventWithoutId } = event

  const rates = await measureRates(
    [
      { name: 'raw BLAKE3 (event-sized input)', run: () => blake3Sync(bytes) },
      { name: 'raw Ed25519 verify', run: () => ed.verify(signer.publicKey, signed, attestation.signature) },
      { name: 'raw Ed25519 sign', run: () => ed.sign(secret, signed) },
      { name: 'encode event', run: () => encodeEvent(event) },
      { name: 'decode event', run: () => decodeEvent(bytes) },
      { name: 'ids (event + attestation)', run: () => [deriveEventIdSync(eventWithoutId), deriveAttestationIdSync(attestation)] },
      { name: 'sign (signed event from fields)', run: async () => createEvent({ type: 'attestation', attestation: await signAttestation(fields, signer) }) },
      { name: 'full validation (decode + ids + verify)', run: async () => {
          const result = await validateEventBytes(bytes)
          if (!result.ok) throw result.error
        } },
    ],
    rounds,
    minMs,
  )
  const rate = (name: string): Rate => rates.find((r) => r.name.startsWith(name))!
  const against = (figure: Rate, baseline: Rate): Figure => ({
    ...figure,
    baseline: baseline.name,
    ratio: figure.opsPerSecond / baseline.opsPerSecond,
  })
  const hash = rate('raw BLAKE3')
  const verify = rate('raw Ed25519 verify')
  const sign = rate('raw Ed25519 sign')
  return {
    runtime,
    ed25519Backend: ed.name,
    eventBytes: bytes.length,
    figures: [
      hash,
      verify,
      sign,
      against(rate('encode'), hash),
      against(rate('decode'), hash),
      against(rate('ids'), hash),
      against(rate('sign ('), sign),
      against(rate('full validation'), verify),
    ],
  }
}

/** Plain-text table of one runtime's figures. */
export function formatSuite(result: SuiteResult): string {
  const lines = [`${result.runtime} — Ed25519 via ${result.ed25519Backend}, event ${result.eventBytes} bytes`]
  for (const f of result.figures) {
    const rateText = `${Math.round(f.opsPerSecond).toLocaleString('en-US')}/s`.padStart(14)
    const ratioText = f.ratio === undefined ? '' : `  ${(f.ratio * 100).toFixed(1).padStart(6)}% of ${f.baseline}`
    lines.push(`  ${f.name.padEnd(42)}${rateText}${ratioText}`)
  }
  return lines.join('\n')
}
