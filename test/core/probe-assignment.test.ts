/** The probe lottery: keyed draws, the threshold, how many probers it sends to a target, and a prober's epoch probing only what it was assigned. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  assignmentThreshold,
  assignmentValue,
  assignTargets,
  BeliefRouter,
  createSigner,
  createWorld,
  deriveAssignmentKey,
  deriveControlPlaneKey,
  deriveSealKey,
  equalBytes,
  expectedProbers,
  instanceFromPrompt,
  ProbeError,
  runProbeEpoch,
  toHex,
  type Bytes32,
} from '../../core/index.js'
import { errorCode, rejectionCode } from './helpers.js'

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
/** 32 bytes from a counter: distinct keys and TargetRefs without randomness. */
const counted = (n: number, tag = 0): Bytes32 => {
  const b = new Uint8Array(32)
  new DataView(b.buffer).setUint32(0, n, true)
  b[31] = tag
  return b
}

describe('the probe lottery', () => {
  it('draws the same number in [0, 1) for the same key, prober and target, and another for any other', async () => {
    await fc.assert(
      fc.asyncProperty(bytes32, bytes32, bytes32, async (key, prober, target) => {
        const v = await assignmentValue(key, prober, target)
        expect(v).toBeGreaterThanOrEqual(0)
        expect(v).toBeLessThan(1)
        expect(await assignmentValue(key, prober, target)).toBe(v)
      }),
      { numRuns: 100 },
    )
    const [key, prober, target] = [counted(1), counted(2), counted(3)]
    const v = await assignmentValue(key, prober, target)
    for (const other of [assignmentValue(counted(9), prober, target), assignmentValue(key, counted(9), target), assignmentValue(key, prober, counted(9))]) expect(await other).not.toBe(v)
  })

  it('derives its key from the epoch’s control-plane key, apart from the seal key, and anew each epoch', async () => {
    const world = counted(5)
    const master = counted(6)
    const key = await deriveAssignmentKey(master, world, 7n)
    expect(equalBytes(key, await deriveAssignmentKey(master, world, 7n))).toBe(true)
    for (const other of [
      await deriveAssignmentKey(master, world, 8n),
      await deriveAssignmentKey(counted(7), world, 7n),
      await deriveAssignmentKey(master, counted(8), 7n),
      await deriveControlPlaneKey(master, world, 7n),
      (await deriveSealKey(master, world, 7n)).key,
    ]) {
      expect(equalBytes(key, other)).toBe(false)
    }
  })

  it('assigns about the threshold’s share of targets, so about maxProbeRedundancy probers probe each', async () => {
    const key = counted(11)
    const targets = Array.from({ length: 40 }, (_, i) => ({ targetRef: counted(i, 1) }))
    const probers = Array.from({ length: 64 }, (_, i) => counted(i, 2))
    let assigned = 0
    for (const prober of probers) assigned += (await assignTargets(targets, { key, prober, maxProbeRedundancy: 8, expectedProbers: probers.length })).assigned.length
    // 2,560 draws at 1/8: 320 expected (8 probers a target), standard deviation 16.7; three of them either side.
    expect(assigned).toBeGreaterThan(270)
    expect(assigned).toBeLessThan(370)
  })

  it('keeps the threshold at min(1, maxProbeRedundancy / expected probers): with the cap at or above the probers, a prober probes everything', async () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), (cap, n) => {
        const t = assignmentThreshold(cap, n)
        expect(t).toBeLessThanOrEqual(1)
        expect(t).toBeGreaterThan(0)
        if (cap >= n) expect(t).toBe(1)
        else expect(t).toBeCloseTo(cap / n, 12)
      }),
    )
    const targets = Array.from({ length: 30 }, (_, i) => ({ targetRef: counted(i, 3) }))
    const all = await assignTargets(targets, { key: counted(12), prober: counted(13), maxProbeRedundancy: 8, expectedProbers: 8 })
    expect(all.assigned).toEqual(targets)
    expect(all.unassigned).toEqual([])
  })

  it('expects the ticketed probers it counted, all unticketed ones as one, and itself', () => {
    expect(expectedProbers(undefined)).toBe(1)
    expect(expectedProbers({ ticketed: 0, anyUnticketed: false })).toBe(1)
    expect(expectedProbers({ ticketed: 5, anyUnticketed: true })).toBe(7)
    expect(expectedProbers({ ticketed: 5, anyUnticketed: false })).toBe(6)
  })

  it('refuses counts that are not positive integers and inputs that are not 32 bytes, with typed errors', async () => {
    for (const [cap, n] of [[8, 0], [0, 4], [8, 1.5], [Number.NaN, 4], [8, -3]] as const) expect(errorCode(() => assignmentThreshold(cap, n), ProbeError)).toBe('invalid-setting')
    expect(await rejectionCode(() => assignmentValue(new Uint8Array(31), counted(1), counted(2)), ProbeError)).toBe('bad-assignment')
    expect(await rejectionCode(() => assignmentValue(counted(1), new Uint8Array(33), counted(2)), ProbeError)).toBe('bad-assignment')
    expect(await rejectionCode(() => assignmentValue(counted(1), counted(2), new Uint8Array(0)), ProbeError)).toBe('bad-assignment')
    expect(await rejectionCode(() => assignTargets([{ targetRef: counted(1) }], { key: counted(1), prober: counted(2), maxProbeRedundancy: 8, expectedProbers: 0 }), ProbeError)).toBe('invalid-setting')
  })
})

describe('a prober under the lottery', () => {
  it('probes and attests only the targets it was assigned, and lists the others', async () => {
    const world = await createWorld('quiet harbor lantern')
    const signer = await createSigner(new Uint8Array(32).fill(9))
    const key = counted(21)
    const targets = Array.from({ length: 8 }, (_, i) => ({ providerKey: `p${i}`, targetRef: counted(i, 4), fah: undefined }))
    const assignment = { key, expectedProbers: 16 } // threshold 8 / 16
    const expected: string[] = []
    for (const t of targets) if ((await assignmentValue(key, signer.publicKey, t.targetRef)) < 0.5) expected.push(t.providerKey)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(targets.length)
    const asked = new Set<string>()
    let clock = 0
    const result = await runProbeEpoch({
      world: world.id,
      rules: world.rules,
      epoch: 3n,
      secretSeed: new Uint8Array(32).fill(4),
      targets,
      assignment,
      ask: async (target, prompt) => {
        asked.add(target.providerKey)
        return instanceFromPrompt(prompt).expected
      },
      signer,
      sleep: async () => {},
      now: () => (clock += 5),
      settings: { basesPerTask: 1, linkingChallenges: 0 },
    })
    expect([...asked].sort()).toEqual([...expected].sort())
    expect(result.results.map((r) => r.target.providerKey)).toEqual(expected)
    expect(result.unassigned.map((t) => t.providerKey)).toEqual(targets.map((t) => t.providerKey).filter((k) => !expected.includes(k)))
    const attested = result.events.flatMap((e) => (e.body.type === 'attestation' ? [toHex(e.body.attestation.targetRef)] : []))
    expect(attested).toEqual(result.results.map((r) => toHex(r.target.targetRef)))
  })

  it('gets its lottery from a router in the control plane, and none from one outside it', async () => {
    const world = await createWorld('quiet harbor lantern')
    const master = counted(30)
    const inside = new BeliefRouter(world, { controlPlaneKey: master, handleSecret: counted(31) })
    const assignment = (await inside.probeAssignment(12n))!
    expect(equalBytes(assignment.key, await deriveAssignmentKey(master, world.id, 12n))).toBe(true)
    expect(assignment.expectedProbers).toBe(1) // it has counted nobody yet: probe everything
    const outside = new BeliefRouter(world, { controlPlaneKey: undefined, handleSecret: counted(31) })
    expect(await outside.probeAssignment(12n)).toBeUndefined()
  })
})
