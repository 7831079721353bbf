/**
 * A prober's challenge suite for one epoch: per task, a few base instances of
 * the task family, each with a metamorphic variant and (where the task's
 * grammar allows one) a paraphrase. Everything is derived from the prober's
 * secret seed, so providers cannot predict the prompts or open a challenge id,
 * while the prober can regenerate the suite (and reveal one challenge's salt
 * and prompt to open its commitment) at any time.
 */
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus'
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator'
import { le64, utf8 } from '../bytes.js'
import { toU64 } from '../canonical.js'
import { blake3WithKey } from '../hash.js'
import { deriveChallengeId } from '../ids.js'
import { TASK_NAMES, TASKS, taskPrompt, type TaskName } from '../tasks/index.js'
import type { Bytes32 } from '../types.js'
import { ProbeError } from './errors.js'
import { shuffled, VARIATIONS, type TaskInput } from './metamorphic.js'

export type ChallengeKind = 'base' | 'metamorphic' | 'paraphrase'

export interface Challenge {
  /** The commitment H(salt || prompt) (deriveChallengeId in core/ids.ts): what receipts carry, never the prompt. */
  id: Bytes32
  salt: Bytes32
  task: TaskName
  kind: ChallengeKind
  /** Index in the suite of the base challenge this one varies (its own index for a base). */
  base: number
  prompt: string
  expected: string
}

export interface SuiteOptions {
  /** The prober's 32-byte secret; never leaves the prober. */
  secretSeed: Uint8Array
  world: Bytes32
  epoch: bigint
  /** Base instances per task, 1–`MAX_BASES_PER_TASK`; each brings one or two variants along. */
  basesPerTask?: number
  /** The TargetRef probed: when given, each target gets an unrelated suite, so providers comparing prompts find none in common. */
  target?: Bytes32
}

/** 6 tasks × 3 bases, with their variants about 50 prompts: a few seconds against a built-in model. */
export const DEFAULT_BASES_PER_TASK = 3
export const MAX_BASES_PER_TASK = 100

const DOMAIN = { suite: utf8('probe-suite'), instances: utf8('probe-instances'), salt: utf8('probe-salt') } as const

function invalid(field: string, detail: string): ProbeError {
  return new ProbeError('invalid-setting', `${field}: ${detail}`)
}

function checkOptions(options: SuiteOptions): number {
  const is32 = (v: unknown) => v instanceof Uint8Array && v.length === 32
  if (!is32(options.secretSeed)) throw invalid('secretSeed', 'must be 32 bytes')
  if (!is32(options.world)) throw invalid('world', 'must be 32 bytes')
  if (options.target !== undefined && !is32(options.target)) throw invalid('target', 'must be 32 bytes')
  if (typeof options.epoch !== 'bigint' || toU64(options.epoch) === undefined) throw invalid('epoch', 'must be a u64 bigint')
  const bases = options.basesPerTask ?? DEFAULT_BASES_PER_TASK
  if (!Number.isInteger(bases) || bases < 1 || bases > MAX_BASES_PER_TASK) {
    throw invalid('basesPerTask', `must be an integer in 1–${MAX_BASES_PER_TASK}, got ${String(bases)}`)
  }
  return bases
}

/** `HK(secretSeed, "probe-suite" || world || le64(epoch) [|| target])`: the key of everything else in the suite. */
function deriveSuiteSeed(options: SuiteOptions): Promise<Bytes32> {
  const target = options.target ? [options.target] : []
  return blake3WithKey(options.secretSeed, DOMAIN.suite, options.world, le64(options.epoch), ...target)
}

/**
 * The instance generator: xoroshiro128+ with all 128 bits of its state from the seed. (From a 32-bit
 * seed, a provider could try every seed against one prompt it saw and predict the rest of the suite.)
 */
async function instanceRng(suiteSeed: Bytes32): Promise<RandomGenerator> {
  const bytes = await blake3WithKey(suiteSeed, DOMAIN.instances)
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16)
  return xoroshiro128plusFromState([0, 4, 8, 12].map((at) => view.getInt32(at, true)))
}

interface Draft extends TaskInput {
  kind: ChallengeKind
  group: number
}

/** A base input of `task` that has a metamorphic variant other than itself. */
function baseInput(task: TaskName, rng: RandomGenerator): string {
  for (;;) {
    const input = TASKS[task].makeInput(rng)
    if (VARIATIONS[task].varies(input)) return input
  }
}

function draftGroups(rng: RandomGenerator, basesPerTask: number): Draft[] {
  const drafts: Draft[] = []
  for (const task of TASK_NAMES) {
    for (let b = 0; b < basesPerTask; b++) {
      const group = drafts.length
      const input = baseInput(task, rng)
      drafts.push({ task, input, kind: 'base', group })
      drafts.push({ ...VARIATIONS[task].metamorphic(input, rng), kind: 'metamorphic', group })
      const paraphrase = VARIATIONS[task].paraphrase(input, rng)
      if (paraphrase) drafts.push({ ...paraphrase, kind: 'paraphrase', group })
    }
  }
  return drafts
}

/** `HK(suiteSeed, "probe-salt" || le64(index))`: one salt per challenge, revealing one reveals no other. */
function deriveChallengeSalt(suiteSeed: Bytes32, index: number): Promise<Bytes32> {
  return blake3WithKey(suiteSeed, DOMAIN.salt, le64(BigInt(index)))
}

/**
 * The suite of `options.epoch`: the same seed, world, epoch (and target) give
 * the same suite; another of any gives unrelated prompts and salts. Each
 * challenge's `expected` is the task's own answer to its prompt.
 */
export async function createChallengeSuite(options: SuiteOptions): Promise<Challenge[]> {
  const basesPerTask = checkOptions(options)
  const suiteSeed = await deriveSuiteSeed(options)
  const rng = await instanceRng(suiteSeed)
  // A seeded random order: sent in suite order, a variant seldom follows its base.
  const drafts = shuffled(draftGroups(rng, basesPerTask), rng)
  const baseIndex = new Map(drafts.flatMap((d, i) => (d.kind === 'base' ? [[d.group, i] as const] : [])))
  return Promise.all(
    drafts.map(async (draft, index): Promise<Challenge> => {
      const prompt = taskPrompt(draft.task, draft.input)
      const salt = await deriveChallengeSalt(suiteSeed, index)
      return {
        id: await deriveChallengeId(salt, utf8(prompt)),
        salt,
        task: draft.task,
        kind: draft.kind,
        base: baseIndex.get(draft.group)!,
        prompt,
        expected: TASKS[draft.task].solve(draft.input),
      }
    }),
  )
}
