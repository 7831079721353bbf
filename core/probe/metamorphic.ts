/**
 * How a challenge varies, per task: a metamorphic variant (a related input
 * whose answer follows from the base's answer) and a paraphrase (the same
 * request spelled another way). Every variant is an input its task's own
 * `solve` accepts, in the trained prompt format, so a model's score on it
 * means what its score on the base means.
 */
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator'
import { LETTERS, randomInt, randomString } from '../tasks/random.js'
import type { TaskName } from '../tasks/index.js'
import { ProbeError } from './errors.js'

/** A task input, possibly of another task than the base's. */
export interface TaskInput {
  task: TaskName
  input: string
}

export interface TaskVariations {
  /** Whether `input` has a metamorphic variant other than itself (a base without one is drawn again). */
  varies(input: string): boolean
  metamorphic(input: string, rng: RandomGenerator): TaskInput
  /** Undefined when the task's grammar has no other spelling of this request. */
  paraphrase(input: string, rng: RandomGenerator): TaskInput | undefined
}

const ARITHMETIC = /^(\d+)([-+*])(\d+)$/

function operands(input: string): [string, string, string] {
  const match = ARITHMETIC.exec(input)
  if (!match) throw new ProbeError('bad-challenge', `not an arithmetic input: ${JSON.stringify(input)}`)
  return [match[1]!, match[2]!, match[3]!]
}

const reversed = (s: string) => [...s].reverse().join('')

/** A uniformly random permutation (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], rng: RandomGenerator): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rng, 0, i)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** `items` in another order; they must not all be equal. */
function reordered(items: readonly string[], rng: RandomGenerator): string[] {
  for (;;) {
    const out = shuffled(items, rng)
    if (out.some((item, i) => item !== items[i])) return out
  }
}

/** The space-separated `items` with `change` applied to the one at `index`. */
const changedAt = (items: readonly string[], index: number, change: (item: string) => string) =>
  items.map((item, i) => (i === index ? change(item) : item)).join(' ')

/** A leading zero: the same number spelled another way. */
const zeroPadded = (digits: string) => `0${digits}`
const zeroPaddedValue = (pair: string) => pair.replace('=', '=0')

/** `key=value` pairs of the recall and json inputs. */
const pairsOf = (input: string) => input.split(' ')
const keyOf = (pair: string) => pair.slice(0, pair.indexOf('='))

export const VARIATIONS: Readonly<Record<TaskName, TaskVariations>> = Object.freeze({
  arithmetic: {
    varies(input) {
      const [a, , b] = operands(input)
      return a !== b
    },
    // a+b = b+a and a*b = b*a; b-a = -(a-b).
    metamorphic(input) {
      const [a, op, b] = operands(input)
      return { task: 'arithmetic', input: `${b}${op}${a}` }
    },
    // The same first operand with a leading zero.
    paraphrase: (input) => ({ task: 'arithmetic', input: zeroPadded(input) }),
  },
  copy: {
    varies: (input) => reversed(input) !== input,
    // copy(reverse(x)) = reverse(copy(x)).
    metamorphic: (input) => ({ task: 'copy', input: reversed(input) }),
    // Asking for x: the only other spelling of a fixed string is reversing its reverse.
    paraphrase: (input) => ({ task: 'reverse', input: reversed(input) }),
  },
  reverse: {
    varies: (input) => reversed(input) !== input,
    // reverse(reverse(x)) = x: the base's answer reversed.
    metamorphic: (input) => ({ task: 'reverse', input: reversed(input) }),
    paraphrase: (input) => ({ task: 'copy', input: reversed(input) }),
  },
  sort: {
    varies: (input) => new Set(input.split(' ')).size > 1,
    // Sorting ignores the order it is given.
    metamorphic: (input, rng) => ({ task: 'sort', input: reordered(input.split(' '), rng).join(' ') }),
    paraphrase(input, rng) {
      const items = input.split(' ')
      return { task: 'sort', input: changedAt(items, randomInt(rng, 0, items.length - 1), zeroPadded) }
    },
  },
  recall: {
    varies: () => true,
    // Looking a key up ignores the order of the pairs.
    metamorphic(input, rng) {
      const [pairs, asked] = input.split(' ? ')
      return { task: 'recall', input: `${reordered(pairsOf(pairs!), rng).join(' ')} ? ${asked}` }
    },
    // The asked value with a leading zero (the same integer answer).
    paraphrase(input) {
      const [pairs, asked] = input.split(' ? ')
      const items = pairsOf(pairs!)
      return { task: 'recall', input: `${changedAt(items, items.findIndex((p) => keyOf(p) === asked), zeroPaddedValue)} ? ${asked}` }
    },
  },
  json: {
    varies: () => true,
    // Key order does not change the object; a single pair gets another key (the answer's key renamed).
    metamorphic(input, rng) {
      const pairs = pairsOf(input)
      if (pairs.length > 1) return { task: 'json', input: reordered(pairs, rng).join(' ') }
      const key = keyOf(pairs[0]!)
      let renamed = key
      while (renamed === key) renamed = randomString(rng, LETTERS, 1, 4)
      return { task: 'json', input: `${renamed}${pairs[0]!.slice(key.length)}` }
    },
    // A number value with a leading zero; an object of strings only has no other spelling.
    paraphrase(input, rng) {
      const pairs = pairsOf(input)
      const numeric = pairs.flatMap((pair, i) => (/=\d+$/.test(pair) ? [i] : []))
      if (numeric.length === 0) return undefined
      return { task: 'json', input: changedAt(pairs, numeric[randomInt(rng, 0, numeric.length - 1)]!, zeroPaddedValue) }
    },
  },
})
