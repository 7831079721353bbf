/** Epochs: the world's clock for rotating replica ids, descriptors, control-plane keys and probe suites. */
import type { RuleBundle } from './types.js'

/** The epoch that contains the wall-clock time `nowMs` (ms since the Unix epoch). */
export function epochAt(rules: Pick<RuleBundle, 'epochLenMs'>, nowMs: number): bigint {
  return BigInt(Math.floor(nowMs)) / rules.epochLenMs
}

/** Milliseconds from `nowMs` until the next epoch begins. */
export function msUntilNextEpoch(rules: Pick<RuleBundle, 'epochLenMs'>, nowMs: number): number {
  const len = Number(rules.epochLenMs)
  return len - (Math.floor(nowMs) % len)
}
