import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  checkAnswer,
  generateTaskInstances,
  instanceFromPrompt,
  parseTaskPrompt,
  TASK_NAMES,
  TaskError,
  taskPrompt,
  type TaskInstance,
  type TaskName,
} from '../../core/index.js'

const seed = fc.integer({ min: 0, max: 0x7fff_ffff })
const taskName = fc.constantFrom(...TASK_NAMES)

function oneInstance(task: TaskName, s: number): TaskInstance {
  return generateTaskInstances(task, s, 1)[0]!
}

/** Answers that must be refused: each changes what the answer means, not only how it is spelled. */
function wrongAnswers(instance: TaskInstance): string[] {
  const e = instance.expected
  switch (instance.task) {
    case 'arithmetic':
    case 'recall':
      return [String(Number(e) + 1), String(Number(e) - 10), `${e}1`, '', 'x']
    case 'copy':
    case 'reverse':
      return [e.slice(1), `${e}a`, e.slice(0, -1) + (e.endsWith('z') ? 'y' : 'z'), e.toUpperCase() === e ? `${e}!` : e.toUpperCase()]
    case 'sort': {
      const items = e.split(' ')
      return [items.slice(1).join(' '), [...items, '9'].join(' '), [...items].reverse().join(' ') === e ? `${e} 0` : [...items].reverse().join(' ')]
    }
    case 'json': {
      const object = JSON.parse(e) as Record<string, unknown>
      const [first] = Object.keys(object)
      return [
        JSON.stringify({ ...object, [first!]: typeof object[first!] === 'number' ? String(object[first!]) : 1 }),
        JSON.stringify({ ...object, zzzzz: 1 }),
        e.slice(0, -1),
        `[${e}]`,
      ]
    }
  }
}

describe('task family', () => {
  it('is deterministic from the seed and varies with it', () => {
    fc.assert(
      fc.property(taskName, seed, (task, s) => {
        expect(generateTaskInstances(task, s, 5)).toEqual(generateTaskInstances(task, s, 5))
      }),
    )
    for (const task of TASK_NAMES) {
      expect(generateTaskInstances(task, 1, 20)).not.toEqual(generateTaskInstances(task, 2, 20))
    }
  })

  it('uses the shared template and keeps every sequence within the models\u2019 context', () => {
    fc.assert(
      fc.property(taskName, seed, (task, s) => {
        const instance = oneInstance(task, s)
        expect(instance.prompt.startsWith(`${task}: `)).toBe(true)
        expect(instance.prompt.endsWith('\n=')).toBe(true)
        // BOS + prompt + answer + EOS within the 128-token context of the built-in models.
        expect(instance.prompt.length + instance.expected.length + 2).toBeLessThanOrEqual(128)
      }),
    )
  })

  it('checker accepts the expected answer and refuses answers that mean something else', () => {
    fc.assert(
      fc.property(taskName, seed, (task, s) => {
        const instance = oneInstance(task, s)
        expect(checkAnswer(instance, instance.expected)).toBe(true)
        expect(checkAnswer(instance, ` ${instance.expected}\n`)).toBe(true)
        for (const wrong of wrongAnswers(instance)) expect(checkAnswer(instance, wrong), wrong).toBe(false)
      }),
    )
  })

  it('canonicalises where the meaning is the same', () => {
    expect(checkAnswer({ task: 'arithmetic', prompt: taskPrompt('arithmetic', '3-3'), expected: '0' }, '-0')).toBe(true)
    expect(checkAnswer({ task: 'arithmetic', prompt: taskPrompt('arithmetic', '3+4'), expected: '7' }, '007')).toBe(true)
    expect(checkAnswer({ task: 'sort', prompt: taskPrompt('sort', '3 1 2'), expected: '1 2 3' }, '1, 2,3')).toBe(true)
    expect(checkAnswer({ task: 'json', prompt: taskPrompt('json', 'a=1 b=x'), expected: '{"a":1,"b":"x"}' }, '{ "b": "x", "a": 1 }')).toBe(true)
    expect(checkAnswer({ task: 'copy', prompt: taskPrompt('copy', 'abc'), expected: 'abc' }, 'ABC')).toBe(false)
  })

  it('judges JSON answers of any shape or depth without throwing: only the flat object is right', () => {
    const json = { task: 'json' as const, prompt: taskPrompt('json', 'a=1'), expected: '{"a":1}' }
    const deep = '{"a":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}'
    expect(checkAnswer(json, deep)).toBe(false)
    expect(checkAnswer(json, '{"a":{"b":1}}')).toBe(false)
    expect(checkAnswer(json, '[{"a":1}]')).toBe(false)
    expect(checkAnswer(json, '{"a":"1"}')).toBe(false)
    expect(checkAnswer(json, '{"a":1}')).toBe(true)
  })

  it('solves known inputs', () => {
    const expected = (prompt: string) => instanceFromPrompt(prompt).expected
    expect(expected('arithmetic: 37+45\n=')).toBe('82')
    expect(expected('arithmetic: 3-45\n=')).toBe('-42')
    expect(expected('arithmetic: 12*11\n=')).toBe('132')
    expect(expected('copy: k3x9\n=')).toBe('k3x9')
    expect(expected('reverse: k3x9\n=')).toBe('9x3k')
    expect(expected('sort: 7 2 9 2\n=')).toBe('2 2 7 9')
    expect(expected('recall: a=3 k=71 x=1 ? k\n=')).toBe('71')
    expect(expected('json: name=ab age=7\n=')).toBe('{"name":"ab","age":7}')
  })

  it('regenerates the same instance from its prompt', () => {
    fc.assert(
      fc.property(taskName, seed, (task, s) => {
        const instance = oneInstance(task, s)
        expect(instanceFromPrompt(instance.prompt)).toEqual(instance)
      }),
    )
  })

  it('refuses prompts and inputs no task makes, with typed errors', () => {
    const code = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        expect(e).toBeInstanceOf(TaskError)
        return (e as TaskError).code
      }
      return 'no error'
    }
    expect(code(() => parseTaskPrompt('copy abc'))).toBe('malformed-prompt')
    expect(code(() => parseTaskPrompt('poem: roses\n='))).toBe('unknown-task')
    expect(code(() => instanceFromPrompt('arithmetic: 3/4\n='))).toBe('malformed-task-input')
    expect(code(() => instanceFromPrompt('recall: a=1 b=2 ? c\n='))).toBe('malformed-task-input')
    expect(code(() => instanceFromPrompt('json: a=1 a=2\n='))).toBe('malformed-task-input')
    expect(code(() => instanceFromPrompt('json: constructor=1\n='))).toBe('no error')
    expect(code(() => instanceFromPrompt('copy: a b\n='))).toBe('malformed-task-input')
  })

  it('shares its format with the training data generator (samples written by scripts/train/train_models.py)', () => {
    const samples = JSON.parse(readFileSync(new URL('../../scripts/train/task-samples.json', import.meta.url), 'utf8')) as TaskInstance[]
    expect(new Set(samples.map((s) => s.task))).toEqual(new Set(TASK_NAMES))
    for (const sample of samples) expect(instanceFromPrompt(sample.prompt)).toEqual(sample)
  })
})
