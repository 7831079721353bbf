/** `sort: 7 2 9 2` → `2 2 7 9`: 3–8 digits, ascending, space-separated. */
import { randomInt } from './random.js'
import { malformed, type Task } from './task.js'

export const sortTask: Task = {
  name: 'sort',
  makeInput(rng) {
    const count = randomInt(rng, 3, 8)
    return Array.from({ length: count }, () => randomInt(rng, 0, 9)).join(' ')
  },
  solve(input) {
    if (!/^\d+( \d+)*$/.test(input)) throw malformed('sort', input)
    return input
      .split(' ')
      .map(Number)
      .sort((a, b) => a - b)
      .join(' ')
  },
  // Numbers separated by any run of spaces or commas; the order is the answer.
  canonical(answer) {
    const items = answer.trim().split(/[\s,]+/)
    if (!items.every((item) => /^\d{1,15}$/.test(item))) return undefined
    return items.map(Number).join(' ')
  },
}
