import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { medianOf, pairedMedianRatio } from '../../bench/paired-ratio.js'

describe('medianOf', () => {
  it('takes the middle sample, or the mean of the middle two', () => {
    expect(medianOf([3, 1, 2])).toBe(2)
    expect(medianOf([4, 1, 3, 2])).toBe(2.5)
    expect(() => medianOf([])).toThrow(RangeError)
  })
})

describe('pairedMedianRatio', () => {
  it('is the ratio of medians, inside its own interval', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 1, max: 1e4, noNaN: true }), fc.double({ min: 1, max: 1e4, noNaN: true })), { minLength: 1, maxLength: 60 }), (pairs) => {
        const a = pairs.map(([x]) => x)
        const b = pairs.map(([, y]) => y)
        const r = pairedMedianRatio(a, b, 200)
        expect(r.ratio).toBeCloseTo(medianOf(a) / medianOf(b), 12)
        expect(r.low).toBeLessThanOrEqual(r.high)
      }),
    )
  })

  it('keeps pairs together: a shared drift cancels and the interval is tight', () => {
    // Route a is 3% slower than b at every moment, while the machine's speed swings by a factor of three.
    const b = Array.from({ length: 300 }, (_, i) => 1000 * (1 + 2 * Math.abs(Math.sin(i / 7))))
    const a = b.map((x) => x * 0.97)
    const r = pairedMedianRatio(a, b)
    expect(r.ratio).toBeCloseTo(0.97, 12)
    expect(r.high - r.low).toBeLessThan(1e-9)
  })

  it('widens with noise and narrows with more samples', () => {
    let seed = 7
    const noise = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 - 0.5) * 400
    const sample = (n: number) => {
      const b = Array.from({ length: n }, () => 1000 + noise())
      return { a: b.map((x) => x + noise()), b }
    }
    const small = sample(40)
    const large = sample(1_000)
    const width = ({ a, b }: { a: number[]; b: number[] }) => {
      const r = pairedMedianRatio(a, b)
      return r.high - r.low
    }
    expect(width(small)).toBeGreaterThan(0.01)
    expect(width(large)).toBeLessThan(width(small) / 2)
  })

  it('is the same for the same samples and seed', () => {
    const a = [5, 9, 2, 7, 4]
    const b = [6, 8, 3, 9, 5]
    expect(pairedMedianRatio(a, b)).toEqual(pairedMedianRatio(a, b))
  })

  it('rejects unpaired samples', () => {
    expect(() => pairedMedianRatio([1, 2], [1])).toThrow(RangeError)
    expect(() => pairedMedianRatio([], [])).toThrow(RangeError)
  })
})
