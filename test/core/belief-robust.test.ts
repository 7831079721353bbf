/** Robust aggregation: the weighted median, MAD outlier rejection and trimming, with properties over random reports. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { robustAggregate, weightedMedian } from '../../core/index.js'

const options = { madCutoff: 3, spreadFloor: 0.05, trimFraction: 0.1 }

/** One to `maxLength` reports, as the aggregation takes them: values in [0, 1], weights in [minW, maxW]. */
const weighted = (minW: number, maxW: number, maxLength: number) =>
  fc
    .array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: minW, max: maxW, noNaN: true })), { minLength: 1, maxLength })
    .map((reports) => ({ values: reports.map(([value]) => value), weights: reports.map(([, weight]) => weight) }))

describe('robust aggregation', () => {
  it('takes the weighted median, by weight rather than by count', () => {
    expect(weightedMedian([0.1, 0.2, 0.9], [1, 1, 1])).toBe(0.2)
    expect(weightedMedian([0.1, 0.2, 0.9], [1, 1, 5])).toBe(0.9)
    expect(() => weightedMedian([0.5], [0])).toThrow(expect.objectContaining({ code: 'no-reports' }))
  })

  it('drops liars far from the honest majority and averages the rest', () => {
    const honest = [0.8, 0.82, 0.79, 0.81, 0.8, 0.83]
    const agg = robustAggregate([...honest, 0.0, 1.0, 0.05], Array(9).fill(1), options)
    expect(agg.inliers).toEqual([true, true, true, true, true, true, false, false, false])
    expect(agg.value).toBeCloseTo(0.808, 2)
    expect(agg.spread).toBeLessThan(0.05)
  })

  it('lets trust outweigh numbers: three trusted reports beat five barely trusted ones', () => {
    const agg = robustAggregate([0.9, 0.91, 0.89, 0.1, 0.1, 0.12, 0.11, 0.1], [4, 4, 4, 0.1, 0.1, 0.1, 0.1, 0.1], options)
    expect(agg.value).toBeGreaterThan(0.85)
  })

  it('property: the aggregate lies within the reports, and an honest weighted majority bounds it', () => {
    fc.assert(
      fc.property(
        weighted(0.01, 4, 40),
        fc.double({ min: 0.2, max: 0.8, noNaN: true }),
        ({ values, weights }, truth) => {
          const agg = robustAggregate(values, weights, options)
          expect(agg.value).toBeGreaterThanOrEqual(Math.min(...values) - 1e-12)
          expect(agg.value).toBeLessThanOrEqual(Math.max(...values) + 1e-12)
          // Add honest reports (within ±0.02 of the truth) weighing more than all of these together: the median is theirs.
          const total = weights.reduce((a, b) => a + b, 0)
          const honest = [-0.02, -0.01, 0, 0.01, 0.02].map((d) => truth + d)
          const both = robustAggregate([...values, ...honest], [...weights, ...honest.map(() => (total * 1.01) / 5)], options)
          expect(Math.abs(both.value - truth)).toBeLessThanOrEqual(0.02 + 3 * Math.max(both.spread, options.spreadFloor) + 1e-9)
        },
      ),
    )
  })

  it('property: with a unit weight, a report counts as at most one measurement and a light one as its fraction of one', () => {
    fc.assert(
      fc.property(
        weighted(0.001, 5, 20),
        fc.double({ min: 0.01, max: 4, noNaN: true }),
        ({ values, weights }, unit) => {
          const relative = robustAggregate(values, weights, options)
          const counted = robustAggregate(values, weights, { ...options, unitWeight: unit })
          expect(counted.value).toBe(relative.value)
          expect(counted.effectiveCount).toBeLessThanOrEqual(relative.effectiveCount)
          const measurements = weights.reduce((sum, weight, i) => sum + (counted.inliers[i] ? Math.min(1, weight / unit) : 0), 0)
          expect(counted.effectiveCount).toBeLessThanOrEqual(measurements + 1e-9)
        },
      ),
    )
    // A lone report counts as one whatever it weighs, unless a unit weight says what one is.
    expect(robustAggregate([0.3], [0.05], options).effectiveCount).toBe(1)
    expect(robustAggregate([0.3], [0.05], { ...options, unitWeight: 1 }).effectiveCount).toBeCloseTo(0.05, 12)
  })
})
