/**
 * World phrases (PROTOCOL.md §1.1): trim, lower-case, split on runs of
 * whitespace, join with `-`. A world phrase has 3 or 4 words.
 */
import { TerrainError } from './errors.js'

export type WorldPhraseErrorCode = 'word-count' | 'empty-word' | 'not-a-string'

export class WorldPhraseError extends TerrainError {
  declare readonly code: WorldPhraseErrorCode
}

export const MIN_PHRASE_WORDS = 3
export const MAX_PHRASE_WORDS = 4

/**
 * Unicode White_Space, the set Rust's `str::trim` and `split_whitespace` use.
 * JS's `\s` differs (it adds U+FEFF and lacks U+0085), which would make two
 * implementations disagree on a phrase's WorldId.
 */
const WHITESPACE = '[\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]'
const EDGES = new RegExp(`^${WHITESPACE}+|${WHITESPACE}+$`, 'gu')
const RUNS = new RegExp(`${WHITESPACE}+`, 'u')

/** The normalised form hashed into a WorldId; does not check the word count. */
export function normalizeWorldPhrase(phrase: string): string {
  if (typeof phrase !== 'string') throw new WorldPhraseError('not-a-string', 'a world phrase must be a string')
  const trimmed = phrase.replace(EDGES, '').toLowerCase()
  return trimmed === '' ? '' : trimmed.split(RUNS).join('-')
}

/**
 * Normalise and enforce the 3–4 word rule. Words are the `-`-separated parts
 * of the normal form, so "quiet-harbor-lantern" and "Quiet Harbor Lantern"
 * name the same world, as they hash the same.
 */
export function checkWorldPhrase(phrase: string): { normalized: string; words: string[] } {
  const normalized = normalizeWorldPhrase(phrase)
  const words = normalized === '' ? [] : normalized.split('-')
  if (words.some((w) => w === '')) {
    throw new WorldPhraseError('empty-word', `world phrase "${normalized}" has an empty word`)
  }
  if (words.length < MIN_PHRASE_WORDS || words.length > MAX_PHRASE_WORDS) {
    throw new WorldPhraseError(
      'word-count',
      `a world phrase has ${MIN_PHRASE_WORDS} or ${MAX_PHRASE_WORDS} words; "${normalized}" has ${words.length}`,
    )
  }
  return { normalized, words }
}
