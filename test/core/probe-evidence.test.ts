import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkAnswer,
  createSigner,
  createWorld,
  descriptorEvent,
  encodeEvent,
  epochAt,
  evidenceEpochId,
  instanceFromPrompt,
  toHex,
  validateEvent,
  type Event,
  type ProbeReceipt,
  type Signer,
  type World,
} from '../../core/index.js'
import { BeliefRouter } from '../../core/belief/router.js'
import { EvidenceGate } from '../../core/probe/evidence.js'
import { DisputeWatcher } from '../../core/probe/disputes.js'
import { ProbeError } from '../../core/probe/errors.js'
import { rejectionCode } from './helpers.js'
import { linkHintFor } from '../../core/probe/link-hints.js'
import { runProbeEpoch, type AskTarget, type ProbeTarget } from '../../core/probe/prober.js'
import { createChallengeSuite } from '../../core/probe/challenges.js'
import { signReceipt, signAttestation } from '../../core/signing.js'
import { mintTicket } from '../../core/probe/ticket.js'
import { createTicketSettings } from '../../core/probe/ticket-settings.js'

const EPOCH_MS = 10_000
const tickets = createTicketSettings({ costN: 16, blockSizeR: 1, difficultyBits: 4 })
const seed = (n: number) => new Uint8Array(32).fill(n)
const controlPlaneKey = seed(200)

interface Fixture {
  world: World
  epoch: bigint
  nowMs: number
  prober: Signer
  providers: { signer: Signer; descriptor: Event; key: string }[]
}

async function fixture(): Promise<Fixture> {
  const world = await createWorld('quiet harbor lantern', { ...(await createWorld('quiet harbor lantern')).rules, epochLenMs: BigInt(EPOCH_MS), minDiverseProbers: 1 })
  const nowMs = 1_000 * EPOCH_MS + 100
  const epoch = epochAt(world.rules, nowMs)
  const providers = []
  for (const n of [1, 2]) {
    const signer = await createSigner(seed(n))
    const descriptor = await descriptorEvent({
      world: world.id,
      epoch,
      contactPoints: [`/ip4/127.0.0.1/tcp/${9000 + n}/ws`],
      model: { baseModelId: 'terrain-tiny', weightsDigest: seed(50 + n), runtimeId: 'test', contextLimit: 128 },
      signer,
    })
    providers.push({ signer, descriptor, key: toHex(signer.publicKey) })
  }
  return { world, epoch, nowMs, prober: await createSigner(seed(9)), providers }
}

function router(f: Fixture): BeliefRouter {
  const r = new BeliefRouter(f.world, { controlPlaneKey, handleSecret: seed(77), gate: { tickets } })
  for (const p of f.providers) r.ingest(p.descriptor, f.nowMs)
  return r
}

async function targets(f: Fixture, r: BeliefRouter): Promise<ProbeTarget[]> {
  return Promise.all(f.providers.map(async (p) => ({ providerKey: p.key, targetRef: (await r.targetRef(p.key, f.epoch))!, fah: undefined })))
}

/** Provider 0 answers every challenge right, provider 1 answers nothing useful. */
const answerer = (good: string) => async (target: ProbeTarget, prompt: string) => (target.providerKey === good ? instanceFromPrompt(prompt).expected : 'zz')

async function probeEpoch(f: Fixture, r: BeliefRouter, extra: { ticket?: boolean; linkingChallenges?: number; ask?: AskTarget } = {}) {
  const ticket = extra.ticket ? (await mintTicket({ world: f.world.id, epoch: f.epoch, proberPubkey: f.prober.publicKey, settings: tickets })).ticket : undefined
  let clock = 0
  return runProbeEpoch({
    world: f.world.id,
    rules: f.world.rules,
    epoch: f.epoch,
    secretSeed: seed(33),
    targets: await targets(f, r),
    ask: extra.ask ?? answerer(f.providers[0]!.key),
    signer: f.prober,
    ticket,
    sleep: async () => {},
    now: () => (clock += 5),
    settings: { basesPerTask: 2, ...(extra.linkingChallenges !== undefined ? { linkingChallenges: extra.linkingChallenges } : {}) },
  })
}

const receiptOf = (e: Event) => (e.body.type === 'receipt' ? e.body.receipt : undefined)!

describe('a probe epoch', () => {
  it('signs valid receipts and one attestation per target, and routers come to believe the better provider', async () => {
    const f = await fixture()
    const r = router(f)
    const { results, events } = await probeEpoch(f, r)
    expect(results).toHaveLength(2)
    for (const e of events) expect((await validateEvent(e)).ok).toBe(true)
    const [good, bad] = results
    expect(good!.metrics.successRate).toBe(1)
    expect(bad!.metrics.successRate).toBe(0)
    for (const e of events) r.ingest(e, f.nowMs)
    await r.tick(f.nowMs + 2 * EPOCH_MS)
    expect(r.rejections.size).toBe(0)
    const beliefs = await r.beliefs(f.nowMs)
    const mu = (key: string) => beliefs.find((b) => b.provider.providerKey === key)!.belief.mu
    expect(mu(f.providers[0]!.key)).toBeGreaterThan(mu(f.providers[1]!.key) + 0.2)
    // Routing follows: well over the exploration floor goes to the good provider.
    const providers = beliefs.map((b) => b.provider)
    let toGood = 0
    for (let i = 0; i < 400; i++) if ((await r.choose(providers, { contextTokens: 64 }, Math.random)).provider.providerKey === f.providers[0]!.key) toGood++
    expect(toGood).toBeGreaterThan(340)
  })

  it('never puts a provider key, a handle or a prompt into its events', async () => {
    const f = await fixture()
    const r = router(f)
    const { events, results } = await probeEpoch(f, r)
    const wire = JSON.stringify(events, (_, v) => (v instanceof Uint8Array ? toHex(v) : typeof v === 'bigint' ? v.toString() : v))
    for (const p of f.providers) expect(wire).not.toContain(p.key)
    for (const b of await r.beliefs(f.nowMs)) expect(wire).not.toContain(b.handle)
    // Prompts (at least 10 bytes) appear neither as text nor as bytes: challenge ids are salted commitments.
    const prompts = await createChallengeSuite({ secretSeed: seed(33), world: f.world.id, epoch: f.epoch, basesPerTask: 2, target: results[0]!.target.targetRef })
    expect(results[0]!.outcomes).toHaveLength(prompts.length + 12)
    for (const { prompt } of prompts) {
      expect(wire).not.toContain(JSON.stringify(prompt).slice(1, -1))
      expect(wire).not.toContain(toHex(new TextEncoder().encode(prompt)))
    }
  })

  it('sends each target a suite of its own: the linking challenges are all two targets share', async () => {
    const f = await fixture()
    const r = router(f)
    const idsOf = (outcomes: { challengeId: Uint8Array }[]) => new Set(outcomes.map((o) => toHex(o.challengeId)))
    const shared = (results: { outcomes: { challengeId: Uint8Array }[] }[]) => {
      const [a, b] = results.map((x) => idsOf(x.outcomes))
      return [...a!].filter((id) => b!.has(id)).length
    }
    const linked = await probeEpoch(f, r)
    expect(shared(linked.results)).toBe(12)
    expect(linked.linkHints).toHaveLength(0) // they answer differently
    // Two targets that answer alike are linked, on the linking challenges alone.
    const alike = await probeEpoch(f, r, { ask: async (_, prompt) => instanceFromPrompt(prompt).expected })
    expect(alike.linkHints).toHaveLength(1)
    // Metrics come from the target's own suite only: the good provider is right on all of it.
    expect(linked.results[0]!.metrics.successRate).toBe(1)
    const apart = await probeEpoch(f, r, { linkingChallenges: 0 })
    expect(shared(apart.results)).toBe(0)
    expect(apart.linkHints).toHaveLength(0)
  })

  it('a router outside the control plane routes uniformly and can name no target', async () => {
    const f = await fixture()
    const outsider = new BeliefRouter(f.world, { controlPlaneKey: undefined, handleSecret: seed(5) })
    for (const p of f.providers) outsider.ingest(p.descriptor, f.nowMs)
    expect(await outsider.targetRef(f.providers[0]!.key, f.epoch)).toBeUndefined()
    const chosen = await outsider.choose(outsider.directory.summaries(f.epoch), { contextTokens: 1 }, () => 0.99)
    expect(chosen.reason).toBe('uniform')
  })
})

describe('the evidence gate', () => {
  async function gateWithTargets(f: Fixture, r: BeliefRouter) {
    const gate = new EvidenceGate(f.world.id, { tickets })
    gate.setTargets(f.epoch, (await targets(f, r)).map((t) => toHex(t.targetRef)))
    return gate
  }

  it('refuses mis-targeted, out-of-epoch, other-world and replayed receipts, leaving its state as it was', async () => {
    const f = await fixture()
    const r = router(f)
    const { results } = await probeEpoch(f, r)
    const gate = await gateWithTargets(f, r)
    const receipt = results[0]!.receipts[0]!
    const resign = async (change: Partial<ProbeReceipt>) => {
      const { receiptId: _, signature: __, proberTransportPubkey: ___, ...fields } = { ...receipt, ...change }
      return signReceipt(fields, f.prober)
    }
    expect(await rejectionCode(async () => gate.admitReceipt(await resign({ targetRef: seed(99) }), f.epoch), ProbeError)).toBe('unknown-target')
    expect(await rejectionCode(async () => gate.admitReceipt(await resign({ epochId: f.epoch - 2n }), f.epoch), ProbeError)).toBe('out-of-epoch')
    expect(await rejectionCode(async () => gate.admitReceipt(await resign({ epochId: f.epoch + 1n }), f.epoch), ProbeError)).toBe('out-of-epoch')
    expect(await rejectionCode(async () => gate.admitReceipt(await resign({ world: seed(98) }), f.epoch), ProbeError)).toBe('wrong-world')
    expect(await rejectionCode(() => gate.admitReceipt(receipt, f.epoch), ProbeError)).toBe('ok')
    // The same challenge on the same target again, under a new id (another outcome): a replay.
    expect(await rejectionCode(async () => gate.admitReceipt(await resign({ outcomeCommitment: seed(97) }), f.epoch), ProbeError)).toBe('replayed')
    expect(await rejectionCode(() => gate.admitReceipt(receipt, f.epoch), ProbeError)).toBe('replayed')
  })

  it('refuses tickets with other parameters or minted for another key, and marks probers with a valid one as ticketed', async () => {
    const f = await fixture()
    const r = router(f)
    const { results } = await probeEpoch(f, r, { ticket: true })
    const gate = await gateWithTargets(f, r)
    const [first, second] = results[0]!.receipts
    const other = await createSigner(seed(10))
    const { receiptId: _, signature: __, proberTransportPubkey: ___, ...fields } = first!
    const reSigned = await signReceipt(fields, other) // another key showing this prober's ticket
    expect(await rejectionCode(() => gate.admitReceipt(reSigned, f.epoch), ProbeError)).toBe('ticket-invalid')
    const wrongParams = await signReceipt({ ...fields, ticket: { ...fields.ticket!, paramsN: 32 } }, f.prober)
    expect(await rejectionCode(() => gate.admitReceipt(wrongParams, f.epoch), ProbeError)).toBe('ticket-params')
    for (const receipt of results[0]!.receipts) await gate.admitReceipt(receipt, f.epoch)
    expect(second).toBeDefined()
    const attestation = results[0]!.attestation.body
    if (attestation.type !== 'attestation') throw new Error('not an attestation')
    expect(await gate.admitAttestation(attestation.attestation, f.epoch)).toEqual({ ticketed: true })
  })

  it('refuses an attestation whose evidence is not the receipts signed for it, and a second one for the same target and epoch', async () => {
    const f = await fixture()
    const r = router(f)
    const { results } = await probeEpoch(f, r)
    const gate = await gateWithTargets(f, r)
    const body = results[0]!.attestation.body
    if (body.type !== 'attestation') throw new Error('not an attestation')
    expect(await rejectionCode(() => gate.admitAttestation(body.attestation, f.epoch), ProbeError)).toBe('evidence-mismatch') // receipts not seen yet
    for (const receipt of results[0]!.receipts.slice(1)) await gate.admitReceipt(receipt, f.epoch)
    expect(await rejectionCode(() => gate.admitAttestation(body.attestation, f.epoch), ProbeError)).toBe('evidence-mismatch') // one receipt short
    await gate.admitReceipt(results[0]!.receipts[0]!, f.epoch)
    expect(await rejectionCode(() => gate.admitAttestation(body.attestation, f.epoch), ProbeError)).toBe('ok')
    const { attestationId: _, signature: __, proberTransportPubkey: ___, ...fields } = body.attestation
    const again = await signAttestation({ ...fields, metrics: { ...fields.metrics, successRate: 0.5 } }, f.prober)
    expect(await rejectionCode(() => gate.admitAttestation(again, f.epoch), ProbeError)).toBe('replayed')
  })

  it('forged evidence never reaches the gate: the log refuses a bad signature', async () => {
    const f = await fixture()
    const { events } = await probeEpoch(f, router(f))
    const forged = structuredClone(events[0]!)
    receiptOf(forged).signature[0]! ^= 1
    const verdict = await validateEvent(forged)
    expect(verdict.ok).toBe(false)
  })

  it('answers arbitrary receipts with a ProbeError or admission, and a refusal changes nothing', async () => {
    const f = await fixture()
    const r = router(f)
    const { results } = await probeEpoch(f, r)
    const gate = await gateWithTargets(f, r)
    const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
    await fc.assert(
      fc.asyncProperty(bytes32, bytes32, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), async (world, target, epoch) => {
        const base = results[1]!.receipts[0]!
        const candidate = { ...base, world: fc.sample(fc.constantFrom(world, base.world), 1)[0]!, targetRef: target, epochId: epoch }
        const outcome = await rejectionCode(() => gate.admitReceipt(candidate, f.epoch), ProbeError)
        expect(['ok', 'wrong-world', 'out-of-epoch', 'unknown-target', 'replayed']).toContain(outcome)
      }),
      { numRuns: 60 },
    )
    // Still able to admit the real receipts and their attestation after all that.
    for (const receipt of results[1]!.receipts) await gate.admitReceipt(receipt, f.epoch)
    const body = results[1]!.attestation.body
    if (body.type !== 'attestation') throw new Error('not an attestation')
    expect(await rejectionCode(() => gate.admitAttestation(body.attestation, f.epoch), ProbeError)).toBe('ok')
  })

  it('the router counts late and out-of-epoch evidence as rejections instead of beliefs', async () => {
    const f = await fixture()
    const r = router(f)
    const { events } = await probeEpoch(f, r)
    for (const e of events) expect(r.ingest(e, f.nowMs + 5 * EPOCH_MS)).toBe(false)
    expect(r.rejections.get('out-of-epoch')).toBe(events.filter((e) => e.body.type === 'receipt' || e.body.type === 'attestation').length)
    await r.tick(f.nowMs + 2 * EPOCH_MS)
    expect(r.ingest(events[0]!, f.nowMs)).toBe(false)
    expect(r.rejections.get('late')).toBe(1)
  })

  it('turns stale evidence away on its header as ingest would after decoding it, and takes the rest', async () => {
    const f = await fixture()
    const { events } = await probeEpoch(f, router(f))
    const evidence = events.filter((e) => e.body.type === 'receipt' || e.body.type === 'attestation')
    expect(evidence.length).toBeGreaterThan(0)
    for (const e of events) expect(evidenceEpochId(encodeEvent(e))).toBe(evidence.includes(e) ? e.epochId : undefined)
    for (const p of f.providers) expect(evidenceEpochId(encodeEvent(p.descriptor))).toBeUndefined()
    const byHeader = router(f)
    for (const e of evidence) expect(byHeader.refusesEvidenceOf(evidenceEpochId(encodeEvent(e))!, f.nowMs + 5 * EPOCH_MS)).toBe(true)
    expect(byHeader.rejections.get('out-of-epoch')).toBe(evidence.length)
    // In its window (or replayed), the same evidence is taken.
    const taking = router(f)
    for (const e of evidence) expect(taking.refusesEvidenceOf(e.epochId, f.nowMs)).toBe(false)
    for (const e of evidence) expect(taking.ingest(e, f.nowMs + 5 * EPOCH_MS, true)).toBe(true)
    expect(taking.rejections.size).toBe(0)
  })
})

describe('disputes and link hints', () => {
  it('raises one dispute for attestations on one target and epoch that disagree beyond the threshold, none for close ones', async () => {
    const f = await fixture()
    const r = router(f)
    const { results } = await probeEpoch(f, r)
    const watcher = new DisputeWatcher(f.world.rules, 2_000)
    const body = results[0]!.attestation.body
    if (body.type !== 'attestation') throw new Error('not an attestation')
    const { attestationId: _, signature: __, proberTransportPubkey: ___, ...fields } = body.attestation
    const other = await createSigner(seed(11))
    const close = await signAttestation({ ...fields, metrics: { ...fields.metrics, successRate: 0.95 } }, other)
    const far = await signAttestation({ ...fields, metrics: { ...fields.metrics, successRate: 0, toolFidelity: 0, robustnessScore: 0, refusalConsistency: 0 } }, other)
    expect(watcher.add({ eventId: seed(1), attestation: body.attestation })).toEqual([])
    expect(watcher.add({ eventId: seed(2), attestation: close })).toEqual([])
    const disputes = watcher.add({ eventId: seed(3), attestation: far })
    expect(disputes).toHaveLength(2)
    expect(disputes[0]!.reason).toMatch(/^score-gap:/)
    expect(watcher.add({ eventId: seed(3), attestation: far })).toEqual([])
  })

  it('hints that two targets answering alike are one provider, and not two that differ', async () => {
    const answers = new Map(Array.from({ length: 20 }, (_, i) => [`c${i}`, `a${i}`] as [string, string]))
    const different = new Map([...answers].map(([k, v], i) => [k, i % 3 === 0 ? 'other' : v] as [string, string]))
    const a = { targetRef: seed(1), answers, outcomeCommitments: [seed(5)] }
    expect(await linkHintFor(a, { targetRef: seed(2), answers: new Map(answers), outcomeCommitments: [seed(6)] })).toMatchObject({ compatibilityScore: 1 })
    expect(await linkHintFor(a, { targetRef: seed(2), answers: different, outcomeCommitments: [seed(6)] })).toBeUndefined()
  })
})

it('scores with the real task checker', () => {
  const instance = instanceFromPrompt('sort: 3 1 2\n=')
  expect(checkAnswer(instance, '1 2 3')).toBe(true)
})
