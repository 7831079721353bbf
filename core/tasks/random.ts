/** The few draws the task generators make, over a pure-rand generator (mutated in place). */
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator'

export const LETTERS = 'abcdefghijklmnopqrstuvwxyz'
export const DIGITS = '0123456789'

export const randomInt = (rng: RandomGenerator, from: number, to: number): number => uniformInt(rng, from, to)

export function randomString(rng: RandomGenerator, alphabet: string, minLength: number, maxLength: number): string {
  const length = randomInt(rng, minLength, maxLength)
  let s = ''
  for (let i = 0; i < length; i++) s += alphabet[randomInt(rng, 0, alphabet.length - 1)]
  return s
}

/** `count` distinct characters of `alphabet`, in random order. */
export function randomDistinct(rng: RandomGenerator, alphabet: string, count: number): string[] {
  const pool = [...alphabet]
  const picked: string[] = []
  for (let i = 0; i < count; i++) picked.push(pool.splice(randomInt(rng, 0, pool.length - 1), 1)[0]!)
  return picked
}
