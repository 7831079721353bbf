/**
 * One prober's epoch: of the targets it may probe, those the probe lottery
 * assigns it (`assignment.ts`; all of them without one). Each gets a suite
 * of its own (so a provider behind several descriptors, or providers
 * comparing notes, find few prompts in common) plus a few linking
 * challenges every target shares, all in an order the provider cannot
 * predict, paced across the epoch so probes mix into user traffic. The
 * pacing's span is also a deadline: evidence signed after the epoch is late,
 * so slow answers stop the asking there, and a target with too little of its
 * suite asked is left unattested. Each answer is scored and committed to in
 * a signed receipt; per target a signed attestation of the metrics (from its
 * own suite) commits to those receipts. Targets that answer the linking
 * challenges alike get a link hint. How a prompt reaches a provider (an
 * ordinary circuit) is the caller's `ask`; nothing here names a provider to
 * the provider.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { toHex } from '../bytes.js'
import { createEvent } from '../events.js'
import { signAttestation, signReceipt, type Signer } from '../signing.js'
import type { Bytes32, Event, MetricsVector, ProbeReceipt, ProbeTicket, RuleBundle } from '../types.js'
import { createChallengeSuite, DEFAULT_BASES_PER_TASK, MAX_BASES_PER_TASK, type Challenge } from './challenges.js'
import { evidenceCommitment, suiteCommitment } from './commitments.js'
import { ProbeError } from './errors.js'
import { shuffled } from './metamorphic.js'
import { assignTargets, type ProbeAssignment } from './assignment.js'
import { linkHintEvent, linkHintsAmong } from './link-hints.js'
import { metricsFromOutcomes, outcomeCommitment, scoreAnswer, type ProbeOutcome } from './metrics.js'

export interface ProberSettings {
  /** Share of the epoch the probes are spread over (the rest leaves time for attestations to spread before the epoch closes), in (0, 1]. */
  spreadShare: number
  /** Base challenges per task in each target's suite, ≥ 1. */
  basesPerTask: number
  /**
   * Challenges every target is sent, besides its own suite, in [0, 100]:
   * what link hints compare (they need `minSharedChallenges`, 12 by
   * default). They are the only prompts two targets have in common, so a
   * provider behind two descriptors can spot these and no others; 0 sends
   * none and gives up link hints.
   */
  linkingChallenges: number
  /**
   * Share of a target's own suite that must have been asked before the
   * deadline (the end of the spread) for the target to be attested this
   * epoch, in (0, 1]: metrics from a few challenges would say little, and
   * only with their base do variants and paraphrases count.
   */
  minAskedShare: number
}

export const defaultProberSettings: Readonly<ProberSettings> = Object.freeze({ spreadShare: 0.5, basesPerTask: DEFAULT_BASES_PER_TASK, linkingChallenges: 12, minAskedShare: 0.5 })

export function validateProberSettings(s: ProberSettings): ProberSettings {
  if (!(s.spreadShare > 0 && s.spreadShare <= 1)) throw new ProbeError('invalid-setting', `spreadShare must be in (0, 1], got ${s.spreadShare}`)
  if (!Number.isInteger(s.basesPerTask) || s.basesPerTask < 1 || s.basesPerTask > MAX_BASES_PER_TASK) {
    throw new ProbeError('invalid-setting', `basesPerTask must be an integer in [1, ${MAX_BASES_PER_TASK}], got ${s.basesPerTask}`)
  }
  if (!Number.isInteger(s.linkingChallenges) || s.linkingChallenges < 0 || s.linkingChallenges > 100) {
    throw new ProbeError('invalid-setting', `linkingChallenges must be an integer in [0, 100], got ${s.linkingChallenges}`)
  }
  if (!(s.minAskedShare > 0 && s.minAskedShare <= 1)) throw new ProbeError('invalid-setting', `minAskedShare must be in (0, 1], got ${s.minAskedShare}`)
  return s
}

export function createProberSettings(partial: Partial<ProberSettings> = {}): ProberSettings {
  return validateProberSettings({ ...defaultProberSettings, ...partial })
}

export interface ProbeTarget {
  /** The router-side name of the provider (its descriptor's key): used to reach it, never put in evidence. */
  providerKey: string
  targetRef: Bytes32
  fah: Bytes32 | undefined
}

/** Sends one prompt to the target and returns its answer; undefined when it gave none (an error, a refusal). */
export type AskTarget = (target: ProbeTarget, prompt: string) => Promise<string | undefined>

export interface ProbeProgress {
  done: number
  total: number
  /** The last probe's target and whether it was answered right. */
  last: { providerKey: string; correct: boolean } | undefined
  /** Only on the final report of a run the deadline stopped: `done` of the `total` probes were asked. */
  stoppedAtDeadline?: true
}

export interface ProbeEpochOptions {
  world: Bytes32
  rules: RuleBundle
  epoch: bigint
  /** The prober's secret: suites and their salts derive from it. */
  secretSeed: Uint8Array
  /** The targets it may probe; with `assignment`, only those the lottery assigns it are probed. */
  targets: readonly ProbeTarget[]
  /** The epoch's probe lottery (`assignment.ts`); undefined probes every target (a world without a control-plane key to draw with). */
  assignment?: ProbeAssignment
  ask: AskTarget
  signer: Signer
  ticket?: ProbeTicket
  /** Each target's success rate last epoch (by provider key), for the drift metric. */
  previousSuccess?: ReadonlyMap<string, number>
  /** Waits `ms` (a timer in a real prober; the simulator's clock in tests). */
  sleep: (ms: number) => Promise<void>
  /** The probes must be spread within this many ms (the rest of the epoch when starting late in it); default the whole spread share of an epoch. */
  withinMs?: number
  /** A monotonic clock in ms, for latencies and the deadline. */
  now: () => number
  settings?: Partial<ProberSettings>
  onProgress?: (progress: ProbeProgress) => void
}

export interface TargetResult {
  target: ProbeTarget
  metrics: MetricsVector
  /** The outcome of every probe asked: of the target's own suite and of the linking challenges. */
  outcomes: ProbeOutcome[]
  receipts: ProbeReceipt[]
  /** The receipts as events, in the same order. */
  receiptEvents: Event[]
  attestation: Event
}

export interface ProbeEpochResult {
  results: TargetResult[]
  /** Targets the lottery left to other probers this epoch. */
  unassigned: ProbeTarget[]
  /** Targets with less than `minAskedShare` of their own suite asked by the deadline: not attested this epoch, and no receipts. */
  unfinished: ProbeTarget[]
  /** Set when slow answers made the run stop at its deadline: how many of the probes were asked. */
  stoppedAtDeadline: { asked: number; total: number } | undefined
  linkHints: Event[]
  /** Every signed event, receipts before the attestations that commit to them. */
  events: Event[]
}

export async function runProbeEpoch(o: ProbeEpochOptions): Promise<ProbeEpochResult> {
  const settings = createProberSettings(o.settings)
  const { assigned: targets, unassigned } = o.assignment
    ? await assignTargets(o.targets, { ...o.assignment, prober: o.signer.publicKey, maxProbeRedundancy: o.rules.maxProbeRedundancy })
    : { assigned: o.targets, unassigned: [] }
  const rng = xoroshiro128plus(new DataView(o.secretSeed.buffer, o.secretSeed.byteOffset).getUint32(0) ^ Number(o.epoch % 0xffffffffn))
  const common = { secretSeed: o.secretSeed, world: o.world, epoch: o.epoch, basesPerTask: settings.basesPerTask }
  const linking = shuffled(await createChallengeSuite(common), rng).slice(0, settings.linkingChallenges)
  const suites = new Map<string, Challenge[]>()
  for (const target of targets) suites.set(target.providerKey, await createChallengeSuite({ ...common, target: target.targetRef }))
  const probes = targets.flatMap((target) => [...suites.get(target.providerKey)!, ...linking].map((challenge) => ({ target, challenge })))
  // A secret order: a provider must not tell a suite from user traffic by its sequence.
  const order = shuffled(probes, rng)
  const spreadMs = Math.min(Number(o.rules.epochLenMs), o.withinMs ?? Number.POSITIVE_INFINITY) * settings.spreadShare
  const gapMs = spreadMs / Math.max(1, order.length)
  // Slow answers must not carry the asking past the spread: what is signed after the epoch is late evidence.
  const deadline = o.now() + spreadMs
  const outcomes = new Map<string, ProbeOutcome[]>(targets.map((t) => [t.providerKey, []]))
  let stoppedAtDeadline: ProbeEpochResult['stoppedAtDeadline']
  for (const [i, { target, challenge }] of order.entries()) {
    const started = o.now()
    if (started >= deadline) {
      stoppedAtDeadline = { asked: i, total: order.length }
      o.onProgress?.({ done: i, total: order.length, last: undefined, stoppedAtDeadline: true })
      break
    }
    let answer: string | undefined
    try {
      answer = await o.ask(target, challenge.prompt)
    } catch {
      answer = undefined // no answer is an outcome too: it counts as a refusal
    }
    const outcome = scoreAnswer(challenge, answer, Math.max(0, o.now() - started))
    outcomes.get(target.providerKey)!.push(outcome)
    o.onProgress?.({ done: i + 1, total: order.length, last: { providerKey: target.providerKey, correct: outcome.correct } })
    if (i < order.length - 1) await o.sleep(Math.max(0, Math.min(started + gapMs, deadline) - o.now()))
  }
  const results: TargetResult[] = []
  const unfinished: ProbeTarget[] = []
  // A target's own suite and the linking challenges share no id (the suite is drawn for the target).
  const linkingIds = new Set(linking.map((c) => toHex(c.id)))
  for (const target of targets) {
    const suite = suites.get(target.providerKey)!
    const sent = outcomes.get(target.providerKey)!
    const own = sent.filter((x) => !linkingIds.has(toHex(x.challengeId)))
    if (own.length < settings.minAskedShare * suite.length) unfinished.push(target)
    else results.push(await attest(o, target, suite, own, sent))
  }
  const hints = await linkHintsAmong(
    results.map((r) => ({
      targetRef: r.target.targetRef,
      answers: new Map(r.outcomes.filter((x) => linkingIds.has(toHex(x.challengeId))).map((x) => [toHex(x.challengeId), x.refused ? undefined : x.answer])),
      outcomeCommitments: r.receipts.map((receipt) => receipt.outcomeCommitment),
    })),
  )
  const linkHints = await Promise.all(hints.map((h) => linkHintEvent(h, o.world, o.epoch, o.signer)))
  return { results, unassigned, unfinished, stoppedAtDeadline, linkHints, events: [...results.flatMap((r) => [...r.receiptEvents, r.attestation]), ...linkHints] }
}

/**
 * Receipts for every probe `target` was sent (`outcomes`); an attestation
 * whose metrics come from its own suite (`own`, the outcomes of it) and whose
 * challenge id commits to every challenge it was sent.
 */
async function attest(o: ProbeEpochOptions, target: ProbeTarget, suite: readonly Challenge[], own: readonly ProbeOutcome[], outcomes: ProbeOutcome[]): Promise<TargetResult> {
  const receipts: ProbeReceipt[] = []
  const receiptEvents: Event[] = []
  for (const outcome of outcomes) {
    const receipt = await signReceipt(
      {
        world: o.world,
        epochId: o.epoch,
        challengeId: outcome.challengeId,
        targetRef: target.targetRef,
        targetFah: target.fah,
        outcomeCommitment: await outcomeCommitment(outcome),
        ticket: o.ticket,
      },
      o.signer,
    )
    receipts.push(receipt)
    receiptEvents.push(await createEvent({ type: 'receipt', receipt }))
  }
  const metrics = metricsFromOutcomes(suite, own, o.previousSuccess?.get(target.providerKey))
  const attestation = await signAttestation(
    {
      world: o.world,
      epochId: o.epoch,
      // Exactly the challenges sent, one outcome each (all of the suite and linking ones unless the deadline stopped the run); the commitment sorts them.
      challengeId: await suiteCommitment(outcomes.map((x) => x.challengeId)),
      targetRef: target.targetRef,
      targetFah: target.fah,
      metrics,
      evidenceCommitment: await evidenceCommitment(receipts.map((r) => r.receiptId)),
      freshnessAnchor: undefined,
    },
    o.signer,
  )
  return { target, metrics, outcomes, receipts, receiptEvents, attestation: await createEvent({ type: 'attestation', attestation }) }
}
