/** `arithmetic: 37+45` → `82`: addition and subtraction of 0–99, multiplication of 0–12. */
import { canonicalInteger } from './integer-answer.js'
import { randomInt } from './random.js'
import { malformed, type Task } from './task.js'

const OPERATORS = '+-*'

export const arithmeticTask: Task = {
  name: 'arithmetic',
  makeInput(rng) {
    const op = OPERATORS[randomInt(rng, 0, 2)]!
    const max = op === '*' ? 12 : 99
    return `${randomInt(rng, 0, max)}${op}${randomInt(rng, 0, max)}`
  },
  solve(input) {
    const match = /^(\d+)([-+*])(\d+)$/.exec(input)
    if (!match) throw malformed('arithmetic', input)
    const a = Number(match[1])
    const b = Number(match[3])
    return String(match[2] === '+' ? a + b : match[2] === '-' ? a - b : a * b)
  },
  canonical: canonicalInteger,
}
