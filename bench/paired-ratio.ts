/**
 * The ratio of two routes' median figures, with a bootstrap interval. Samples
 * come in pairs taken one right after the other, so resampling pairs (not
 * each route on its own) keeps what the machine was doing at the time on
 * both sides of the ratio.
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'

export interface RatioInterval {
  /** median(a) / median(b) over all pairs. */
  ratio: number
  /** The 2.5th and 97.5th percentiles of the ratio over bootstrap resamples of the pairs. */
  low: number
  high: number
}

export function medianOf(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('the median of no samples')
  const sorted = [...xs].sort((p, q) => p - q)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** `a[i]` and `b[i]` were measured together; `resamples` bootstrap draws from a fixed seed, so the same samples give the same interval. */
export function pairedMedianRatio(a: readonly number[], b: readonly number[], resamples = 2_000, seed = 1): RatioInterval {
  if (a.length !== b.length || a.length === 0) throw new RangeError(`paired samples need equal, non-zero lengths (${a.length} and ${b.length})`)
  const rng = xoroshiro128plus(seed)
  const ratios: number[] = []
  const drawnA = new Array<number>(a.length)
  const drawnB = new Array<number>(a.length)
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < a.length; i++) {
      const j = uniformInt(rng, 0, a.length - 1)
      drawnA[i] = a[j]!
      drawnB[i] = b[j]!
    }
    ratios.push(medianOf(drawnA) / medianOf(drawnB))
  }
  ratios.sort((p, q) => p - q)
  return {
    ratio: medianOf(a) / medianOf(b),
    low: ratios[Math.floor(0.025 * (resamples - 1))]!,
    high: ratios[Math.ceil(0.975 * (resamples - 1))]!,
  }
}
