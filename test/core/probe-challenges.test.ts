import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { blake3, deriveChallengeId, instanceFromPrompt, parseTaskPrompt, TASK_NAMES, TASKS, toHex, utf8 } from '../../core/index.js'
import { createChallengeSuite, DEFAULT_BASES_PER_TASK, MAX_BASES_PER_TASK, type Challenge, type SuiteOptions } from '../../core/probe/challenges.js'
import { ProbeError } from '../../core/probe/errors.js'
import { rejectionCode } from './helpers.js'
import { u64 } from './arbitraries.js'
import { seed } from './fixtures.js'

const options: SuiteOptions = { secretSeed: seed(1), world: seed(2), epoch: 7n }

const inputOf = (c: Challenge) => parseTaskPrompt(c.prompt).input
const reversed = (s: string) => [...s].reverse().join('')
const sortedItems = (items: string[]) => [...items].sort().join(' ')
const recallParts = (input: string) => {
  const [pairs, asked] = input.split(' ? ')
  return { pairs: pairs!.split(' '), asked: asked! }
}

/** Whether `variant` is `base` with a leading zero added to one number. */
function oneLeadingZeroAdded(base: string, variant: string): boolean {
  return [...variant].some((ch, i) => ch === '0' && !/\d/.test(variant[i - 1] ?? '') && /\d/.test(variant[i + 1] ?? '') && variant.slice(0, i) + variant.slice(i + 1) === base)
}

/** Checks the metamorphic relation each task's variant claims to its base. */
function expectMetamorphic(base: Challenge, variant: Challenge): void {
  const [b, v] = [inputOf(base), inputOf(variant)]
  expect(v).not.toBe(b)
  switch (base.task) {
    case 'arithmetic': {
      const [, x, op, y] = /^(\d+)([-+*])(\d+)$/.exec(b)!
      expect(v).toBe(`${y}${op}${x}`)
      expect(Number(variant.expected)).toBe(op === '-' ? -Number(base.expected) : Number(base.expected))
      break
    }
    case 'copy':
    case 'reverse':
      expect(variant.task).toBe(base.task)
      expect(v).toBe(reversed(b))
      expect(variant.expected).toBe(reversed(base.expected))
      break
    case 'sort':
      expect(sortedItems(v.split(' '))).toBe(sortedItems(b.split(' ')))
      expect(variant.expected).toBe(base.expected)
      break
    case 'recall':
      expect(recallParts(v).asked).toBe(recallParts(b).asked)
      expect(sortedItems(recallParts(v).pairs)).toBe(sortedItems(recallParts(b).pairs))
      expect(variant.expected).toBe(base.expected)
      break
    case 'json': {
      const [bPairs, vPairs] = [b.split(' '), v.split(' ')]
      if (bPairs.length > 1) {
        expect(sortedItems(vPairs)).toBe(sortedItems(bPairs))
        expect(TASKS.json.canonical(variant.expected)).toBe(TASKS.json.canonical(base.expected))
      } else {
        const [bKey, bValue] = bPairs[0]!.split('=')
        const [vKey, vValue] = vPairs[0]!.split('=')
        expect(vKey).not.toBe(bKey)
        expect(vValue).toBe(bValue)
        expect(Object.values(JSON.parse(variant.expected) as object)).toEqual(Object.values(JSON.parse(base.expected) as object))
      }
      break
    }
  }
}

/** Checks that a paraphrase asks for the same answer in another spelling. */
function expectParaphrase(base: Challenge, paraphrase: Challenge): void {
  const [b, p] = [inputOf(base), inputOf(paraphrase)]
  if (base.task === 'copy' || base.task === 'reverse') {
    expect(paraphrase.task).toBe(base.task === 'copy' ? 'reverse' : 'copy')
    expect(p).toBe(reversed(b))
    expect(paraphrase.expected).toBe(base.expected)
  } else {
    expect(paraphrase.task).toBe(base.task)
    expect(oneLeadingZeroAdded(b, p), `${b} → ${p}`).toBe(true)
    expect(TASKS[base.task].canonical(paraphrase.expected)).toBe(TASKS[base.task].canonical(base.expected))
  }
}

async function expectWellFormed(suite: Challenge[], basesPerTask: number): Promise<void> {
  const hexes = (values: Uint8Array[]) => new Set(values.map(toHex))
  expect(hexes(suite.map((c) => c.id)).size).toBe(suite.length)
  expect(hexes(suite.map((c) => c.salt)).size).toBe(suite.length)
  for (const task of TASK_NAMES) expect(suite.filter((c) => c.kind === 'base' && c.task === task)).toHaveLength(basesPerTask)
  for (const [i, c] of suite.entries()) {
    expect(toHex(c.id)).toBe(toHex(await deriveChallengeId(c.salt, utf8(c.prompt))))
    expect(toHex(c.id)).not.toBe(toHex(await blake3(utf8(c.prompt))))
    expect(instanceFromPrompt(c.prompt)).toEqual({ task: c.task, prompt: c.prompt, expected: c.expected })
    const base = suite[c.base]!
    expect(base.kind).toBe('base')
    if (c.kind === 'base') expect(c.base).toBe(i)
    if (c.kind === 'metamorphic') expectMetamorphic(base, c)
    if (c.kind === 'paraphrase') expectParaphrase(base, c)
  }
  for (const [i, base] of suite.entries()) {
    if (base.kind !== 'base') continue
    const kinds = suite.filter((c) => c.base === i && c.kind !== 'base').map((c) => c.kind)
    // Only a json object of strings has no other spelling.
    const hasParaphrase = base.task !== 'json' || /=\d/.test(inputOf(base))
    expect(kinds.sort()).toEqual(hasParaphrase ? ['metamorphic', 'paraphrase'] : ['metamorphic'])
  }
}

describe('challenge suites', () => {
  it('are well-formed: committed ids, fresh salts, task-solved answers, variants related to their bases', async () => {
    const suite = await createChallengeSuite(options)
    expect(suite.length).toBeGreaterThanOrEqual(30)
    expect(suite.length).toBeLessThanOrEqual(6 * DEFAULT_BASES_PER_TASK * 3)
    await expectWellFormed(suite, DEFAULT_BASES_PER_TASK)
  })

  it('are well-formed for any seed, world, epoch and size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), u64, fc.integer({ min: 1, max: 4 }), async (secretSeed, world, epoch, basesPerTask) => {
        await expectWellFormed(await createChallengeSuite({ secretSeed, world, epoch, basesPerTask }), basesPerTask)
      }),
      { numRuns: 40 },
    )
  })

  it('regenerate the same suite from the same seed, world and epoch, and another from any other', async () => {
    const suite = await createChallengeSuite(options)
    expect(await createChallengeSuite({ ...options })).toEqual(suite)
    const prompts = new Set(suite.map((c) => c.prompt))
    const salts = new Set(suite.map((c) => toHex(c.salt)))
    for (const other of [{ epoch: 8n }, { secretSeed: seed(3) }, { world: seed(4) }, { target: seed(5) }]) {
      const next = await createChallengeSuite({ ...options, ...other })
      expect(next.filter((c) => prompts.has(c.prompt)).length, JSON.stringify(Object.keys(other))).toBeLessThan(suite.length / 4)
      expect(next.some((c) => salts.has(toHex(c.salt)))).toBe(false)
    }
  })

  it('keep a variant from following its base in suite order', async () => {
    const suite = await createChallengeSuite({ ...options, basesPerTask: 10 })
    const adjacent = suite.filter((c, i) => c.kind !== 'base' && (c.base === i - 1 || c.base === i + 1)).length
    expect(adjacent).toBeLessThan(suite.length / 4)
  })

  it('refuse settings out of range, naming the field', async () => {
    for (const [basesPerTask, code] of [[1, 'ok'], [MAX_BASES_PER_TASK, 'ok'], [0, 'invalid-setting'], [1.5, 'invalid-setting'], [Number.NaN, 'invalid-setting'], [MAX_BASES_PER_TASK + 1, 'invalid-setting']] as const) {
      expect(await rejectionCode(() => createChallengeSuite({ ...options, basesPerTask }), ProbeError), String(basesPerTask)).toBe(code)
    }
    const bad: Partial<Record<keyof SuiteOptions, unknown>>[] = [{ secretSeed: seed(1).slice(1) }, { world: new Uint8Array(33) }, { target: seed(1).slice(2) }, { epoch: -1n }, { epoch: 1n << 64n }, { epoch: 3 }]
    for (const setting of bad) {
      const run = () => createChallengeSuite({ ...options, ...setting } as SuiteOptions)
      expect(await rejectionCode(run, ProbeError), Object.keys(setting)[0]).toBe('invalid-setting')
      await expect(run()).rejects.toThrow(Object.keys(setting)[0]!)
    }
  })
})
