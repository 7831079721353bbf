/**
 * Picking the next token from one step's logits: argmax when the temperature
 * is 0 (ties to the lowest id), otherwise a seeded draw from the softmax of
 * logits / temperature, optionally restricted to the top k.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'

export function argmax(logits: Float32Array): number {
  let best = 0
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i
  return best
}

export type TokenSampler = (logits: Float32Array) => number

/** A sampler for one generation; `seed` makes the draws repeatable. */
export function createSampler(temperature: number, topK: number | undefined, seed: number): TokenSampler {
  if (temperature === 0) return argmax
  const rng = xoroshiro128plus(seed)
  return (logits) => {
    let ids = Array.from(logits.keys())
    if (topK !== undefined && topK < ids.length) ids = ids.sort((a, b) => logits[b]! - logits[a]! || a - b).slice(0, topK)
    const max = Math.max(...ids.map((i) => logits[i]!))
    const weights = ids.map((i) => Math.exp((logits[i]! - max) / temperature))
    let r = uniformFloat64(rng) * weights.reduce((a, b) => a + b, 0)
    for (let j = 0; j < ids.length; j++) {
      r -= weights[j]!
      if (r < 0) return ids[j]!
    }
    return ids[ids.length - 1]!
  }
}
