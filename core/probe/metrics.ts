/**
 * From a provider's answers to the suite to the `MetricsVector` a prober
 * attests. An outcome is fully determined by its challenge, answer and
 * latency, so anyone who learns a challenge's prompt can re-score it; the
 * metrics refuse outcomes that disagree with their own answer.
 *
 * Metrics, each over the challenges of the suite that were asked. A
 * challenge without an outcome was not asked (the prober's deadline came
 * first) and counts nowhere; one asked without an answer (an error) has an
 * outcome, refused:
 * - success_rate: share of asked base challenges answered correctly.
 * - robustness_score: share of asked metamorphic variants answered correctly
 *   among those whose base was asked and answered correctly; 0 when no base
 *   was, so failing everything never reads as robust.
 * - refusal_consistency: share of asked (base, paraphrase) pairs, both
 *   asked, where the provider answered both or refused both (a refusal is an
 *   error or an empty answer).
 * - tool_fidelity: share of asked json challenges (bases and variants)
 *   answered with a JSON object with exactly the expected keys.
 * - latency_p50_ms / latency_p95_ms: nearest-rank percentiles of the
 *   latencies of the outcomes given, in whole ms; u32 max when there are none
 *   (nothing ever arrived: as slow as can be said).
 * - drift_indicator: |success_rate − previous success rate|, 0 without one.
 * - freshness: 'weak' (the prober's own clock; no anchor yet).
 * A rate over no asked challenges is 0: what was not measured earns nothing
 * (the vector has no "unknown"; a prober attests only a target with enough
 * of its suite asked). With every challenge asked, each rate is over the
 * whole suite.
 */
import { toHex, utf8 } from '../bytes.js'
import { bool, bytes, bytes32, encode, struct, u32 } from '../canonical.js'
import { blake3 } from '../hash.js'
import { checkAnswer } from '../tasks/index.js'
import { jsonObject } from '../tasks/json.js'
import type { Bytes32, MetricsVector } from '../types.js'
import type { Challenge } from './challenges.js'
import { ProbeError } from './errors.js'

export interface ProbeOutcome {
  challengeId: Bytes32
  answer: string
  correct: boolean
  /** The provider declined: an empty answer, or an error instead of an answer. */
  refused: boolean
  /** For the json (tool-call formatting) task: whether the answer is a well-formed JSON object with exactly the expected keys; undefined for other tasks. */
  wellFormed: boolean | undefined
  /** Whole ms from sending the prompt to the answer (or error), as committed. */
  latencyMs: number
}

const U32_MAX = 0xffff_ffff

function checkLatency(latencyMs: unknown): number {
  if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs < 0) {
    throw new ProbeError('bad-challenge', `latency must be a finite number of ms ≥ 0, got ${String(latencyMs)}`)
  }
  return latencyMs
}

/** Whole milliseconds as the u32 the protocol carries (longer waits are capped). */
const wholeMs = (latencyMs: number) => Math.min(Math.round(latencyMs), U32_MAX)

const sameKeys = (a: object, b: object) => {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key))
}

/**
 * The outcome of one probe; `answer` undefined means an error instead of an
 * answer. Never throws for an answer; throws `ProbeError` ('bad-challenge')
 * for a latency that is not a finite number ≥ 0.
 */
export function scoreAnswer(challenge: Challenge, answer: string | undefined, latencyMs: number): ProbeOutcome {
  const ms = wholeMs(checkLatency(latencyMs))
  const text = answer ?? ''
  const refused = text.trim() === ''
  if (challenge.task !== 'json') {
    return { challengeId: challenge.id, answer: text, correct: !refused && checkAnswer(challenge, text), refused, wellFormed: undefined, latencyMs: ms }
  }
  const object = refused ? undefined : jsonObject(text)
  const wellFormed = object !== undefined && sameKeys(object, JSON.parse(challenge.expected) as object)
  return { challengeId: challenge.id, answer: text, correct: object !== undefined && checkAnswer(challenge, text), refused, wellFormed, latencyMs: ms }
}

function checkOutcome(outcome: unknown): ProbeOutcome {
  const o = outcome as Partial<ProbeOutcome> | null
  const shaped =
    typeof o === 'object' &&
    o !== null &&
    o.challengeId instanceof Uint8Array &&
    o.challengeId.length === 32 &&
    typeof o.answer === 'string' &&
    typeof o.correct === 'boolean' &&
    typeof o.refused === 'boolean' &&
    (o.wellFormed === undefined || typeof o.wellFormed === 'boolean')
  if (!shaped) throw new ProbeError('bad-challenge', 'not a probe outcome')
  checkLatency(o.latencyMs)
  return o as ProbeOutcome
}

/** The outcome for each challenge of `suite` (undefined where none was given), each checked against its own answer. */
function outcomesBySuiteIndex(suite: readonly Challenge[], outcomes: readonly ProbeOutcome[]): (ProbeOutcome | undefined)[] {
  if (!Array.isArray(outcomes)) throw new ProbeError('bad-challenge', 'outcomes must be an array')
  const indexOf = new Map(suite.map((c, i) => [toHex(c.id), i]))
  const byIndex: (ProbeOutcome | undefined)[] = suite.map(() => undefined)
  for (const item of outcomes) {
    const outcome = checkOutcome(item)
    const i = indexOf.get(toHex(outcome.challengeId))
    if (i === undefined) throw new ProbeError('bad-challenge', `challenge ${toHex(outcome.challengeId)} is not in the suite`)
    if (byIndex[i]) throw new ProbeError('bad-challenge', `two outcomes for challenge ${toHex(outcome.challengeId)}`)
    const rescored = scoreAnswer(suite[i]!, outcome.answer, outcome.latencyMs)
    if (rescored.correct !== outcome.correct || rescored.refused !== outcome.refused || rescored.wellFormed !== outcome.wellFormed) {
      throw new ProbeError('bad-challenge', `the outcome for challenge ${toHex(outcome.challengeId)} does not match its answer`)
    }
    byIndex[i] = outcome
  }
  return byIndex
}

const share = (flags: readonly boolean[]) => (flags.length === 0 ? 0 : flags.filter(Boolean).length / flags.length)

/** Nearest-rank percentile of ascending `sorted`. */
const percentile = (sorted: readonly number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!

/** The metrics of the module comment. Throws `ProbeError`: 'bad-challenge' for an outcome that is not one of `suite`'s, 'invalid-setting' for a previous rate outside [0, 1]. */
export function metricsFromOutcomes(suite: readonly Challenge[], outcomes: readonly ProbeOutcome[], previousSuccessRate?: number): MetricsVector {
  if (previousSuccessRate !== undefined && !(previousSuccessRate >= 0 && previousSuccessRate <= 1)) {
    throw new ProbeError('invalid-setting', `previousSuccessRate must be in [0, 1], got ${previousSuccessRate}`)
  }
  const byIndex = outcomesBySuiteIndex(suite, outcomes)
  const outcome = (i: number) => byIndex[i]!
  const asked = (i: number) => byIndex[i] !== undefined
  /** Asked challenges of `kind` whose base was asked too (a base is its own base). */
  const askedWithBase = (kind: Challenge['kind']) => suite.flatMap((c, i) => (c.kind === kind && asked(i) && asked(c.base) ? [i] : []))

  const successRate = share(askedWithBase('base').map((i) => outcome(i).correct))
  const robustnessScore = share(askedWithBase('metamorphic').flatMap((i) => (outcome(suite[i]!.base).correct ? [outcome(i).correct] : [])))
  const refusalConsistency = share(askedWithBase('paraphrase').map((i) => outcome(i).refused === outcome(suite[i]!.base).refused))
  const toolFidelity = share(suite.flatMap((c, i) => (c.task === 'json' && asked(i) ? [outcome(i).wellFormed === true] : [])))
  const latencies = byIndex.flatMap((o) => (o ? [wholeMs(o.latencyMs)] : [])).sort((a, b) => a - b)
  return {
    successRate,
    refusalConsistency,
    toolFidelity,
    latencyP50Ms: latencies.length === 0 ? U32_MAX : percentile(latencies, 0.5),
    latencyP95Ms: latencies.length === 0 ? U32_MAX : percentile(latencies, 0.95),
    robustnessScore,
    driftIndicator: previousSuccessRate === undefined ? 0 : Math.abs(successRate - previousSuccessRate),
    freshness: 'weak',
  }
}

interface CommittedOutcome {
  challengeId: Bytes32
  answer: Uint8Array
  correct: boolean
  refused: boolean
  latencyMs: number
}

const committedOutcomeCodec = struct<CommittedOutcome>('ProbeOutcome', [
  ['challengeId', bytes32],
  ['answer', bytes],
  ['correct', bool],
  ['refused', bool],
  ['latencyMs', u32],
])

/**
 * `H("outcome" || canon(challenge_id, answer as UTF-8 bytes, correct, refused,
 * latency in whole ms as u32))`: what a receipt commits to. Throws
 * `ProbeError` ('bad-challenge') for a value that is not an outcome.
 */
export async function outcomeCommitment(outcome: ProbeOutcome): Promise<Bytes32> {
  const o = checkOutcome(outcome)
  const committed = { challengeId: o.challengeId, answer: utf8(o.answer), correct: o.correct, refused: o.refused, latencyMs: wholeMs(o.latencyMs) }
  return blake3(utf8('outcome'), encode(committedOutcomeCodec, committed))
}
