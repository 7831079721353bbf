/**
 * `json: name=ab age=7` → `{"name":"ab","age":7}`: 1–3 distinct keys of 1–4
 * letters; a value of digits is a number, a value of letters a string. Any
 * JSON spelling of the same object is right (key order, spaces).
 */
import { LETTERS, randomInt, randomString } from './random.js'
import { malformed, type Task } from './task.js'

/** The JSON object `text` spells (not null, not an array); undefined for any other value or for text that is not JSON. */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
}

/** A flat object of scalars, the only shape a right answer has, as JSON text with its keys sorted; undefined when a value is not a scalar. */
function sortedFlatObject(object: Record<string, unknown>): string | undefined {
  const entries = Object.entries(object)
  // Nested values are never right, so none is walked: a deeply nested answer costs no recursion.
  if (entries.some(([, v]) => v !== null && typeof v === 'object')) return undefined
  return `{${entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(',')}}`
}

export const jsonTask: Task = {
  name: 'json',
  makeInput(rng) {
    const count = randomInt(rng, 1, 3)
    const keys: string[] = []
    while (keys.length < count) {
      const key = randomString(rng, LETTERS, 1, 4)
      if (!keys.includes(key)) keys.push(key)
    }
    return keys.map((key) => `${key}=${randomInt(rng, 0, 1) === 0 ? randomInt(rng, 0, 99) : randomString(rng, LETTERS, 1, 5)}`).join(' ')
  },
  solve(input) {
    const object: Record<string, number | string> = {}
    for (const pair of input.split(' ')) {
      const match = /^([a-z]+)=(?:(\d+)|([a-z]+))$/.exec(pair)
      if (!match || Object.hasOwn(object, match[1]!)) throw malformed('json', input)
      object[match[1]!] = match[2] !== undefined ? Number(match[2]) : match[3]!
    }
    return JSON.stringify(object)
  },
  canonical(answer) {
    const object = jsonObject(answer)
    return object === undefined ? undefined : sortedFlatObject(object)
  },
}
