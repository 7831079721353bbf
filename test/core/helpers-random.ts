/** A seeded uniform [0, 1) source for tests that take an injected `random`. */
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'

export function prng(seed: number): () => number {
  const rng = xoroshiro128plus(seed)
  return () => uniformInt(rng, 0, 2 ** 30 - 1) / 2 ** 30
}
