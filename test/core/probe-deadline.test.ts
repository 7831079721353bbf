import { beforeAll, describe, expect, it } from 'vitest'
import { createSigner, createWorld, instanceFromPrompt, toHex, type Bytes32, type Event, type Signer, type World } from '../../core/index.js'
import { createChallengeSuite, type Challenge } from '../../core/probe/challenges.js'
import { suiteCommitment } from '../../core/probe/commitments.js'
import { ProbeError } from '../../core/probe/errors.js'
import { metricsFromOutcomes } from '../../core/probe/metrics.js'
import { createProberSettings, defaultProberSettings, runProbeEpoch, type ProbeProgress, type ProberSettings, type ProbeTarget } from '../../core/probe/prober.js'
import { seed } from './fixtures.js'
import { errorCode, rejectionCode } from './helpers.js'

const EPOCH = 5n
const SECRET = seed(33)
const BASES = 2
const LINKING = 12

let world: World
let signer: Signer
const targets: ProbeTarget[] = [1, 2, 3, 4].map((n) => ({ providerKey: `p${n}`, targetRef: seed(100 + n), fah: undefined }))
const suites = new Map<string, Challenge[]>()
/** Every prompt of the epoch (each target's suite and the target-less suite the linking challenges come from) and its challenge id. */
const idOfPrompt = new Map<string, Bytes32>()
const idOfHex = new Map<string, Bytes32>()
/** Ids of the target-less suite, which the linking challenges are drawn from. */
let linkingCandidates: Set<string>

beforeAll(async () => {
  world = await createWorld('quiet harbor lantern')
  signer = await createSigner(seed(9))
  const common = { secretSeed: SECRET, world: world.id, epoch: EPOCH, basesPerTask: BASES }
  const targetless = await createChallengeSuite(common)
  linkingCandidates = new Set(targetless.map((c) => toHex(c.id)))
  for (const t of targets) suites.set(t.providerKey, await createChallengeSuite({ ...common, target: t.targetRef }))
  const all = [...targetless, ...[...suites.values()].flat()]
  for (const c of all) {
    idOfPrompt.set(c.prompt, c.id)
    idOfHex.set(toHex(c.id), c.id)
  }
  // No two challenges share a prompt here, so the prompt `ask` gets names the challenge sent.
  expect(idOfPrompt.size).toBe(all.length)
})

interface RunOptions {
  /** How long the target takes to answer a prompt sent at `clock`. */
  answerMs: (clock: number) => number
  spreadMs: number
  settings?: Partial<ProberSettings>
  /** A provider whose every ask throws. */
  unreachable?: string
  targets?: ProbeTarget[]
}

/** A probe epoch on a fake clock that moves only while a target answers and while the prober sleeps; the spread starts at 0. */
async function clockedRun(o: RunOptions) {
  let clock = 0
  const asks: { at: number; providerKey: string; id: string }[] = []
  /** Where each sleep began and ended on the clock. */
  const sleeps: { from: number; to: number }[] = []
  const progress: ProbeProgress[] = []
  const result = await runProbeEpoch({
    world: world.id,
    rules: world.rules,
    epoch: EPOCH,
    secretSeed: SECRET,
    targets: o.targets ?? targets,
    ask: async (target, prompt) => {
      asks.push({ at: clock, providerKey: target.providerKey, id: toHex(idOfPrompt.get(prompt)!) })
      clock += o.answerMs(clock)
      if (target.providerKey === o.unreachable) throw new Error('no circuit to this provider')
      return instanceFromPrompt(prompt).expected
    },
    signer,
    sleep: async (ms) => {
      sleeps.push({ from: clock, to: (clock += ms) })
    },
    withinMs: o.spreadMs,
    now: () => clock,
    settings: { basesPerTask: BASES, linkingChallenges: LINKING, spreadShare: 1, ...o.settings },
    onProgress: (p) => progress.push(p),
  })
  return { result, asks, sleeps, progress }
}

const targetRefOf = (e: Event) => (e.body.type === 'receipt' ? e.body.receipt.targetRef : e.body.type === 'attestation' ? e.body.attestation.targetRef : undefined)
/** The TargetRefs the receipts or attestations among `events` are for, hex. */
const targetRefsOf = (events: Event[], type: 'receipt' | 'attestation') => events.filter((e) => e.body.type === type).map((e) => toHex(targetRefOf(e)!))

const attestedSuite = (e: Event) => (e.body.type === 'attestation' ? toHex(e.body.attestation.challengeId) : undefined)

describe('the prober’s deadline', () => {
  it('stops asking at the end of the spread when answers are slow, and attests only targets with enough of their suite asked', async () => {
    const probes = [...suites.values()].reduce((n, s) => n + s.length + LINKING, 0)
    const spreadMs = 10_000
    const gapMs = spreadMs / probes
    // Answers take twice the pacing gap: about half the probes fit before the deadline.
    const { result, asks, sleeps, progress } = await clockedRun({ answerMs: () => 2 * gapMs, spreadMs })

    expect(asks.length).toBeGreaterThan(0)
    expect(asks.length).toBeLessThan(probes)
    for (const a of asks) expect(a.at).toBeLessThan(spreadMs)
    // An answer may come after the deadline; no sleep may carry the clock past it.
    for (const { from, to } of sleeps) expect(to).toBeLessThanOrEqual(Math.max(from, spreadMs))
    expect(progress.at(-1)).toEqual({ done: asks.length, total: probes, last: undefined, stoppedAtDeadline: true })
    expect(progress.filter((p) => p.stoppedAtDeadline)).toHaveLength(1)
    expect(result.stoppedAtDeadline).toEqual({ asked: asks.length, total: probes })

    const askedOwn = (t: ProbeTarget) => {
      const own = new Set(suites.get(t.providerKey)!.map((c) => toHex(c.id)))
      return asks.filter((a) => a.providerKey === t.providerKey && own.has(a.id)).length / own.size
    }
    const finished = targets.filter((t) => askedOwn(t) >= defaultProberSettings.minAskedShare)
    const unfinished = targets.filter((t) => askedOwn(t) < defaultProberSettings.minAskedShare)
    // This fixture has targets on both sides of the default share.
    expect(finished.length).toBeGreaterThan(0)
    expect(unfinished.length).toBeGreaterThan(0)
    expect(result.unfinished).toEqual(unfinished)
    expect(result.results.map((r) => r.target)).toEqual(finished)

    const receiptsFor = targetRefsOf(result.events, 'receipt')
    const attestationsFor = targetRefsOf(result.events, 'attestation')
    for (const t of unfinished) {
      expect(receiptsFor).not.toContain(toHex(t.targetRef))
      expect(attestationsFor).not.toContain(toHex(t.targetRef))
    }
    for (const r of result.results) {
      const sent = asks.filter((a) => a.providerKey === r.target.providerKey).map((a) => a.id)
      const full = suites.get(r.target.providerKey)!.length + LINKING
      expect(sent.length).toBeLessThan(full)
      expect(r.receipts.map((x) => toHex(x.challengeId))).toEqual(sent)
      expect(receiptsFor.filter((ref) => ref === toHex(r.target.targetRef))).toHaveLength(sent.length)
      expect(attestedSuite(r.attestation)).toBe(toHex(await suiteCommitment(sent.map((id) => idOfHex.get(id)!))))
      expect(r.metrics).toEqual(metricsFromOutcomes(suites.get(r.target.providerKey)!, r.outcomes.filter((x) => !linkingCandidates.has(toHex(x.challengeId)))))
      // Every answer was right: the challenges the deadline left unasked do not count against the provider.
      expect(r.metrics.successRate).toBe(1)
    }
  })

  it('never sleeps past the deadline: a fast answer just before it waits only until it', async () => {
    const one = [targets[0]!]
    const n = suites.get('p1')!.length
    const gapMs = 100
    const spreadMs = n * gapMs
    // The first answer takes until 1.5 gaps before the deadline; the rest are instant, so the third probe's pacing would end half a gap past it.
    const { asks, sleeps, result, progress } = await clockedRun({ answerMs: (clock) => (clock === 0 ? spreadMs - 1.5 * gapMs : 0), spreadMs, targets: one, settings: { linkingChallenges: 0 } })
    expect(asks.map((a) => a.at)).toEqual([0, spreadMs - 1.5 * gapMs, spreadMs - 0.5 * gapMs])
    expect(sleeps.at(-1)).toEqual({ from: spreadMs - 0.5 * gapMs, to: spreadMs })
    expect(progress.at(-1)).toMatchObject({ done: 3, total: n, stoppedAtDeadline: true })
    expect(result.unfinished).toEqual(one)
    expect(result.events).toHaveLength(0)
  })

  it('changes nothing for a run that ends in time: every challenge asked and attested, as over the full suite', async () => {
    const { result, asks, progress } = await clockedRun({ answerMs: () => 1, spreadMs: 1_000_000, unreachable: 'p4' })
    const probes = [...suites.values()].reduce((n, s) => n + s.length + LINKING, 0)
    expect(asks).toHaveLength(probes)
    expect(progress.some((p) => p.stoppedAtDeadline)).toBe(false)
    expect(result.stoppedAtDeadline).toBeUndefined()
    expect(progress.at(-1)).toMatchObject({ done: probes, total: probes })
    expect(result.unfinished).toEqual([])
    expect(result.results.map((r) => r.target)).toEqual(targets)
    const linking = new Set(result.results[0]!.outcomes.flatMap((x) => (linkingCandidates.has(toHex(x.challengeId)) ? [toHex(x.challengeId)] : [])))
    expect(linking.size).toBe(LINKING)
    for (const r of result.results) {
      const suite = suites.get(r.target.providerKey)!
      const own = r.outcomes.filter((x) => !linkingCandidates.has(toHex(x.challengeId)))
      expect(own.map((x) => toHex(x.challengeId)).sort()).toEqual(suite.map((c) => toHex(c.id)).sort())
      expect(new Set(r.outcomes.filter((x) => linkingCandidates.has(toHex(x.challengeId))).map((x) => toHex(x.challengeId)))).toEqual(linking)
      expect(r.receipts).toHaveLength(suite.length + LINKING)
      expect(r.metrics).toEqual(metricsFromOutcomes(suite, own))
      const allIds = [...suite.map((c) => c.id), ...[...linking].map((id) => idOfHex.get(id)!)]
      expect(attestedSuite(r.attestation)).toBe(toHex(await suiteCommitment(allIds)))
    }
    const [good, unreachable] = [result.results[0]!, result.results[3]!]
    expect(good.metrics.successRate).toBe(1)
    // An ask that threw is still an outcome: a refusal, counted.
    expect(unreachable.outcomes.every((x) => x.refused)).toBe(true)
    expect(unreachable.metrics).toMatchObject({ successRate: 0, toolFidelity: 0, refusalConsistency: 1 })
  })

  it('takes minAskedShare in (0, 1], refusing others with a typed error', async () => {
    expect(createProberSettings().minAskedShare).toBe(0.5)
    for (const share of [1, 0.01]) expect(createProberSettings({ minAskedShare: share }).minAskedShare).toBe(share)
    for (const share of [0, -0.1, 1.01, Number.NaN]) expect(errorCode(() => createProberSettings({ minAskedShare: share }), ProbeError), String(share)).toBe('invalid-setting')
    expect(await rejectionCode(() => clockedRun({ answerMs: () => 1, spreadMs: 1_000, settings: { minAskedShare: 0 } }), ProbeError)).toBe('invalid-setting')
  })
})
