/**
 * Disputes: two signed attestations about one target in one epoch whose
 * scores (the rule bundle's weighting of their metrics) differ by more than
 * the bundle's disagreement threshold cannot both be honest measurements.
 * A peer that holds both says so in a signed `DisputeEvent` naming the two
 * events; routers see the pair and the belief field's outlier rule settles
 * which side the robust aggregate stands on. Each pair is raised once.
 */
import { compareBytes, toHex } from '../bytes.js'
import { observationScore } from '../belief/observation.js'
import { createEvent } from '../events.js'
import { signDispute, type Signer } from '../signing.js'
import type { BehaviorAttestation, Bytes32, Event, RuleBundle } from '../types.js'

export interface StoredAttestation {
  /** The id of the event that carried it: what a dispute names. */
  eventId: Bytes32
  attestation: BehaviorAttestation
}

export interface DisputePair {
  a: StoredAttestation
  b: StoredAttestation
  /** Absolute difference of the two scores, in [0, 1]. */
  gap: number
  /** Short and machine-readable: `score-gap:<gap>>threshold:<t>`. */
  reason: string
}

/** Watches attestations as they arrive and reports each disagreeing pair once. */
export class DisputeWatcher {
  /** epoch → target (hex) → the attestations seen, with their scores. */
  private readonly seen = new Map<bigint, Map<string, { stored: StoredAttestation; score: number }[]>>()

  constructor(
    private readonly rules: RuleBundle,
    private readonly latencyRefMs: number,
  ) {}

  /** Takes one attestation (already admitted); returns the new disputes it raises with those seen before. Throws `BeliefError('bad-metrics')`. */
  add(stored: StoredAttestation): DisputePair[] {
    const a = stored.attestation
    const score = observationScore(a.metrics, this.rules, this.latencyRefMs)
    const byTarget = this.seen.get(a.epochId) ?? new Map<string, { stored: StoredAttestation; score: number }[]>()
    this.seen.set(a.epochId, byTarget)
    const seen = byTarget.get(toHex(a.targetRef)) ?? []
    if (seen.some((s) => compareBytes(s.stored.eventId, stored.eventId) === 0)) return []
    byTarget.set(toHex(a.targetRef), [...seen, { stored, score }])
    const threshold = this.rules.disagreementQuarantineThreshold
    return seen
      .filter((s) => Math.abs(s.score - score) > threshold)
      .map((s) => {
        const gap = Math.abs(s.score - score)
        // The pair in a fixed order, so every peer that raises it names the same two events.
        const [first, second] = compareBytes(s.stored.eventId, stored.eventId) < 0 ? [s.stored, stored] : [stored, s.stored]
        return { a: first, b: second, gap, reason: `score-gap:${gap.toFixed(3)}>threshold:${threshold}` }
      })
  }

  /** Forgets epochs before `epoch`. */
  forgetBefore(epoch: bigint): void {
    for (const e of this.seen.keys()) if (e < epoch) this.seen.delete(e)
  }
}

/** The signed event for a dispute. */
export async function disputeEvent(pair: DisputePair, signer: Signer): Promise<Event> {
  const { world, epochId } = pair.a.attestation
  const dispute = await signDispute({ world, epochId, eventA: pair.a.eventId, eventB: pair.b.eventId, reason: pair.reason }, signer)
  return createEvent({ type: 'dispute', dispute })
}
