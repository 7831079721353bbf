import { describe, expect, it } from 'vitest'
import { faultScenario, runMeshSim } from '../../core/index.js'

const base = faultScenario

describe('mesh simulator (real replicas, simulated network)', () => {
  it('100 replicas with random partitions, 20% churn and adversaries converge; no bad entry is ever stored', async () => {
    const r = await runMeshSim(base)
    expect(r.published).toBeGreaterThan(20)
    expect(r.deliveredBeforeSettle).toBeLessThan(1) // partitions and churn really cut some replicas off
    expect(r.deliveredFinal).toBe(1)
    expect(r.converged).toBe(true)
    expect(r.injected).toBeGreaterThan(0)
    expect(r.badStored).toBe(0)
    for (const reason of ['event-id-mismatch', 'wrong-world', 'bad-signature', 'wrong-origin']) {
      expect(r.rejections[reason]).toBeGreaterThan(0)
    }
  })

  it('is deterministic: one seed, one run', async () => {
    const small = { ...base, replicas: 30, events: 10, settleMs: 20_000 }
    const [a, b] = [await runMeshSim(small), await runMeshSim(small)]
    expect(a).toEqual(b)
    expect(await runMeshSim({ ...small, seed: 8 })).not.toEqual(a)
  })
})
