/**
 * Worlds: a normalised phrase plus a rule bundle, identified by a WorldId that
 * commits to both. Changing any rule (or the phrase) forks the world.
 */
import { equalBytes } from './bytes.js'
import { TerrainError } from './errors.js'
import { deriveWorldId, ruleBundleHash } from './ids.js'
import { defaultRuleBundle, validateRuleBundle } from './rule-bundle.js'
import type { Bytes32, RuleBundle } from './types.js'
import { checkWorldPhrase } from './world-phrase.js'

export interface World {
  /** Normalised phrase, e.g. `quiet-harbor-lantern`. */
  readonly phrase: string
  readonly words: readonly string[]
  readonly rules: Readonly<RuleBundle>
  readonly ruleBundleHash: Bytes32
  readonly id: Bytes32
}

export const defaultWorldPhrase = 'quiet harbor lantern'

export class WorldError extends TerrainError {
  declare readonly code: 'fork-unchanged'
}

/** Validate phrase and rules, then derive the world's ids. */
export async function createWorld(phrase: string, rules: RuleBundle = defaultRuleBundle): Promise<World> {
  const { normalized, words } = checkWorldPhrase(phrase)
  const frozen = Object.freeze({ ...validateRuleBundle(rules) })
  return Object.freeze({
    phrase: normalized,
    words: Object.freeze(words),
    rules: frozen,
    ruleBundleHash: await ruleBundleHash(frozen),
    id: await deriveWorldId(normalized, frozen),
  })
}

/**
 * A new world from `parent` with some rules (and optionally the phrase)
 * changed. A fork that changes nothing is refused, since it would be the same world.
 */
export async function forkWorld(
  parent: World,
  changes: { phrase?: string; rules?: Partial<RuleBundle> },
): Promise<World> {
  const child = await createWorld(changes.phrase ?? parent.phrase, { ...parent.rules, ...changes.rules })
  if (equalBytes(child.id, parent.id)) throw new WorldError('fork-unchanged', 'the fork changes no rule and keeps the phrase')
  return child
}
