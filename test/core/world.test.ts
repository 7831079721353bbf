import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkWorldPhrase,
  createRuleBundle,
  createWorld,
  defaultRuleBundle,
  deriveWorldId,
  forkWorld,
  normalizeWorldPhrase,
  RuleBundleError,
  ruleBundleHash,
  toHex,
  validateRuleBundle,
  WorldError,
  WorldPhraseError,
  type RuleBundle,
} from '../../core/index.js'

describe('world phrases', () => {
  it('normalise: trim, lower-case, collapse whitespace runs to "-"', () => {
    expect(normalizeWorldPhrase('  Quiet  Harbor Lantern ')).toBe('quiet-harbor-lantern')
    expect(normalizeWorldPhrase('\tSTILL\nwater\u00a0moon  Rise')).toBe('still-water-moon-rise')
    expect(normalizeWorldPhrase('   ')).toBe('')
  })

  it('use Unicode White_Space like the reference, not JS \\s', () => {
    expect(normalizeWorldPhrase('a\u0085b\u3000c')).toBe('a-b-c')
    expect(normalizeWorldPhrase('a\ufeffb c d')).toBe('a\ufeffb-c-d') // U+FEFF is not White_Space
  })

  it('enforce 3 or 4 words with typed errors', () => {
    expect(checkWorldPhrase('quiet harbor lantern').words).toEqual(['quiet', 'harbor', 'lantern'])
    expect(checkWorldPhrase('quiet-harbor-lantern-bay').words).toHaveLength(4)
    for (const bad of ['two words', 'one two three four five', '', 'quiet--harbor lantern']) {
      expect(() => checkWorldPhrase(bad)).toThrow(WorldPhraseError)
    }
    expect(() => checkWorldPhrase('two words')).toThrow(expect.objectContaining({ code: 'word-count' }))
    expect(() => checkWorldPhrase('a--b c')).toThrow(expect.objectContaining({ code: 'empty-word' }))
  })

  it('any string is normalised or refused with WorldPhraseError, nothing else', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (phrase) => {
        try {
          const { words } = checkWorldPhrase(phrase)
          expect(words.length === 3 || words.length === 4).toBe(true)
        } catch (e) {
          expect(e).toBeInstanceOf(WorldPhraseError)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('spellings that normalise alike name the same world', async () => {
    const a = await deriveWorldId('Quiet Harbor Lantern', defaultRuleBundle)
    const b = await deriveWorldId('quiet-harbor-lantern', defaultRuleBundle)
    expect(toHex(a)).toBe(toHex(b))
    await expect(deriveWorldId('quiet harbor', defaultRuleBundle)).rejects.toThrow(WorldPhraseError)
  })
})

describe('rule bundles (settings)', () => {
  it('the default is valid and is the PROTOCOL.md example bundle', async () => {
    expect(validateRuleBundle({ ...defaultRuleBundle })).toBeTruthy()
    expect(toHex(await ruleBundleHash(defaultRuleBundle))).toBe(
      '0d31071771d3b55d9ba0c412a487d07a784e864f3a98dbc2ccb28355f97a9930',
    )
  })

  const invalid: [string, Partial<RuleBundle>][] = [
    ['version', { version: 0 }],
    ['epochLenMs', { epochLenMs: 10n }],
    ['epochLenMs', { epochLenMs: 600000 as unknown as bigint }],
    ['explorationRate', { explorationRate: 1.5 }],
    ['explorationRate', { explorationRate: Number.NaN }],
    ['disagreementQuarantineThreshold', { disagreementQuarantineThreshold: 0 }],
    ['minDiverseProbers', { minDiverseProbers: 0 }],
    ['maxProbeRedundancy', { minDiverseProbers: 5, maxProbeRedundancy: 4 }],
    ['defaultCircuitLen', { defaultCircuitLen: 9 }],
    ['relayBatchMaxDelayMs', { relayBatchMaxDelayMs: 60_000 }],
    ['fixedCellBytes', { fixedCellBytes: 100 }],
    ['wLatency', { wLatency: -1 }],
    ['wSuccess', { wSuccess: 0, wToolFidelity: 0, wLatency: 0, wRefusalConsistency: 0, wRobustness: 0 }],
  ]
  it.each(invalid)('rejects a bad %s with a RuleBundleError naming it', (field, overrides) => {
    try {
      createRuleBundle(overrides)
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(RuleBundleError)
      expect((e as RuleBundleError).field).toBe(field)
      expect((e as RuleBundleError).code).toBe('invalid-rule')
    }
  })

  it('rejects unknown rules', () => {
    expect(() => createRuleBundle({ bogus: 1 } as Partial<RuleBundle>)).toThrow(
      expect.objectContaining({ code: 'unknown-rule', field: 'bogus' }),
    )
  })
})

describe('worlds and forks', () => {
  it('createWorld derives the ids of PROTOCOL.md §5', async () => {
    const world = await createWorld('  Quiet  Harbor Lantern ')
    expect(world.phrase).toBe('quiet-harbor-lantern')
    expect(toHex(world.id)).toBe('95c190c45ae15f40ad71768aa3ca191270c780a23c7a0f6db063217d79b772ed')
    expect(Object.isFrozen(world.rules)).toBe(true)
  })

  it('changing any single rule forks the world', async () => {
    const parent = await createWorld('quiet harbor lantern')
    const changes: Partial<RuleBundle>[] = [
      { version: 3 },
      { epochLenMs: 600_001n },
      { explorationRate: 0.06 },
      { disagreementQuarantineThreshold: 0.3 },
      { minDiverseProbers: 3 },
      { maxProbeRedundancy: 9 },
      { defaultCircuitLen: 4 },
      { relayBatchMaxDelayMs: 21 },
      { fixedCellBytes: 2048 },
      { wSuccess: 0.9 },
      { wToolFidelity: 0.7 },
      { wLatency: 0.2 },
      { wRefusalConsistency: 0.4 },
      { wRobustness: 0.6 },
    ]
    expect(changes.flatMap(Object.keys).sort()).toEqual(Object.keys(defaultRuleBundle).sort())
    const ids = new Set([toHex(parent.id)])
    for (const rules of changes) ids.add(toHex((await forkWorld(parent, { rules })).id))
    expect(ids.size).toBe(changes.length + 1)
  })

  it('any change of a float rule, however small, forks the world', async () => {
    const parent = await createWorld('quiet harbor lantern')
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 0, max: 1, noNaN: true }), async (rate) => {
        fc.pre(rate !== parent.rules.explorationRate)
        const child = await forkWorld(parent, { rules: { explorationRate: rate } })
        expect(toHex(child.id)).not.toBe(toHex(parent.id))
      }),
      { numRuns: 50 },
    )
  })

  it('a fork that changes nothing is refused', async () => {
    const parent = await createWorld('quiet harbor lantern')
    await expect(forkWorld(parent, { rules: { version: 2 } })).rejects.toThrow(WorldError)
    await expect(forkWorld(parent, { phrase: 'Quiet Harbor Lantern' })).rejects.toMatchObject({ code: 'fork-unchanged' })
  })

  it('a fork with an invalid rule is refused with the rule named', async () => {
    const parent = await createWorld('quiet harbor lantern')
    await expect(forkWorld(parent, { rules: { fixedCellBytes: 1 } })).rejects.toMatchObject({ field: 'fixedCellBytes' })
  })
})
