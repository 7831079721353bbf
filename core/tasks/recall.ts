/** `recall: a=3 k=71 x=1 ? k` → `71`: 2–5 distinct one-letter keys with values 0–99, one asked. */
import { canonicalInteger } from './integer-answer.js'
import { LETTERS, randomDistinct, randomInt } from './random.js'
import { malformed, type Task } from './task.js'

export const recallTask: Task = {
  name: 'recall',
  makeInput(rng) {
    const keys = randomDistinct(rng, LETTERS, randomInt(rng, 2, 5))
    const pairs = keys.map((key) => `${key}=${randomInt(rng, 0, 99)}`).join(' ')
    return `${pairs} ? ${keys[randomInt(rng, 0, keys.length - 1)]}`
  },
  solve(input) {
    const [pairs, asked, ...rest] = input.split(' ? ')
    if (pairs === undefined || asked === undefined || rest.length > 0) throw malformed('recall', input)
    for (const pair of pairs.split(' ')) {
      const match = /^([a-z])=(\d+)$/.exec(pair)
      if (!match) throw malformed('recall', input)
      if (match[1] === asked) return match[2]!
    }
    throw malformed('recall', input)
  },
  canonical: canonicalInteger,
}
