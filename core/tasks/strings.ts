/** `copy: k3x9` → `k3x9` and `reverse: k3x9` → `9x3k`, over lower-case letters and digits, 3–12 long. */
import { DIGITS, LETTERS, randomString } from './random.js'
import { malformed, type Task, type TaskName } from './task.js'

const SYMBOLS = /^[a-z0-9]{1,64}$/

function stringTask(name: TaskName, transform: (s: string) => string): Task {
  return {
    name,
    makeInput: (rng) => randomString(rng, LETTERS + DIGITS, 3, 12),
    solve(input) {
      if (!SYMBOLS.test(input)) throw malformed(name, input)
      return transform(input)
    },
    // Exact, apart from surrounding space: every character of the answer is the point.
    canonical: (answer) => answer.trim(),
  }
}

export const copyTask = stringTask('copy', (s) => s)
export const reverseTask = stringTask('reverse', (s) => [...s].reverse().join(''))
