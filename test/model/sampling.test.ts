import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { argmax, createSampler } from '../../workers/model/sampling.js'

describe('token sampling', () => {
  it('greedy is the argmax, ties going to the lowest id', () => {
    expect(argmax(Float32Array.from([0, 3, 1, 3]))).toBe(1)
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 50 }), (values) => {
        const logits = Float32Array.from(values)
        const id = createSampler(0, undefined, 1)(logits)
        expect(logits.every((v) => v <= logits[id]!)).toBe(true)
      }),
    )
  })

  it('draws follow the softmax and repeat for a seed', () => {
    const logits = Float32Array.from([Math.log(1), Math.log(3), -Infinity, Math.log(6)])
    const draw = (seed: number, n: number) => {
      const sample = createSampler(1, undefined, seed)
      return Array.from({ length: n }, () => sample(logits))
    }
    expect(draw(9, 50)).toEqual(draw(9, 50))
    expect(draw(9, 50)).not.toEqual(draw(10, 50))
    const counts = [0, 0, 0, 0]
    for (const id of draw(1, 10_000)) counts[id]!++
    expect(counts[2]).toBe(0)
    expect(counts[0]! / 10_000).toBeCloseTo(0.1, 1)
    expect(counts[1]! / 10_000).toBeCloseTo(0.3, 1)
    expect(counts[3]! / 10_000).toBeCloseTo(0.6, 1)
  })

  it('top-k keeps only the k most likely ids', () => {
    const logits = Float32Array.from([5, 1, 4, 3, 2])
    const sample = createSampler(100, 2, 3) // a high temperature would otherwise spread draws over all five
    const seen = new Set(Array.from({ length: 500 }, () => sample(logits)))
    expect(seen).toEqual(new Set([0, 2]))
  })
})
