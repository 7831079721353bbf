/**
 * `json: name=ab age=7` → `{"name":"ab","age":7}`: 1–3 distinct keys of 1–4
 * letters; a value of digits is a number, a value of letters a string. Any
 * JSON spelling of the same object is right (key order, spaces).
 */
import { LETTERS, randomInt, randomString } from './random.js'
import { malformed, type Task } from './task.js'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** JSON text with object keys sorted at every depth. */
function sortedJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(value[k]!)}`).join(',')}}`
  }
  return JSON.stringify(value)
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
    let value: Json
    try {
      value = JSON.parse(answer) as Json
    } catch {
      return undefined
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
    return sortedJson(value)
  },
}
