/**
 * World rules as settings: the `RuleBundle` fields documented, a default, and
 * a `create`/`validate` pair that throws `RuleBundleError`. Validation is
 * about sensible worlds; hashing (`ids.ts`) accepts any encodable bundle so
 * that foreign bundles still get their true hash.
 */
import { TerrainError } from './errors.js'
import type { RuleBundle } from './types.js'

export type { RuleBundle }

/**
 * What each rule means:
 * - `version`: rule-bundle schema version, ≥ 1.
 * - `epochLenMs`: epoch length in ms (control-plane keys, replica ids and probe suites rotate per epoch); 1 s to 30 days.
 * - `explorationRate`: share of requests routed off the current best belief, in [0, 1].
 * - `disagreementQuarantineThreshold`: normalised disagreement above which a provider is quarantined, in (0, 1].
 * - `minDiverseProbers`: distinct, uncorrelated probers needed before a provider can be promoted, ≥ 1.
 * - `maxProbeRedundancy`: most probers that probe one target in one epoch, ≥ `minDiverseProbers`.
 * - `defaultCircuitLen`: hops in a circuit, exit included, in [1, 8]; 3 gives the privacy PRODUCT.md describes.
 * - `relayBatchMaxDelayMs`: longest a relay hop may hold cells to batch them, ≤ 10 000 ms.
 * - `fixedCellBytes`: size of every onion cell on the wire, in [256, 65 536].
 * - `wSuccess`, `wToolFidelity`, `wLatency`, `wRefusalConsistency`, `wRobustness`: weights mapping an
 *   attestation's metrics to one observation; finite, ≥ 0, not all zero.
 */
export const defaultRuleBundle: Readonly<RuleBundle> = Object.freeze({
  version: 2,
  epochLenMs: 600_000n,
  explorationRate: 0.05,
  disagreementQuarantineThreshold: 0.25,
  minDiverseProbers: 4,
  maxProbeRedundancy: 8,
  defaultCircuitLen: 3,
  relayBatchMaxDelayMs: 20,
  fixedCellBytes: 1024,
  wSuccess: 1.0,
  wToolFidelity: 0.75,
  wLatency: 0.25,
  wRefusalConsistency: 0.5,
  wRobustness: 0.5,
})

export type RuleBundleErrorCode = 'invalid-rule' | 'unknown-rule'

export class RuleBundleError extends TerrainError {
  declare readonly code: RuleBundleErrorCode
  constructor(
    code: RuleBundleErrorCode,
    readonly field: string,
    detail: string,
  ) {
    super(code, `rule ${field}: ${detail}`)
  }
}

const WEIGHTS = ['wSuccess', 'wToolFidelity', 'wLatency', 'wRefusalConsistency', 'wRobustness'] as const

function integerIn(bundle: RuleBundle, field: keyof RuleBundle, min: number, max: number): void {
  const v = bundle[field]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RuleBundleError('invalid-rule', field, `must be an integer in [${min}, ${max}], got ${String(v)}`)
  }
}

function realIn(bundle: RuleBundle, field: keyof RuleBundle, min: number, max: number, minOpen = false): void {
  const v = bundle[field]
  if (typeof v !== 'number' || !Number.isFinite(v) || v > max || (minOpen ? v <= min : v < min)) {
    const range = `${minOpen ? '(' : '['}${min}, ${max}]`
    throw new RuleBundleError('invalid-rule', field, `must be a finite number in ${range}, got ${String(v)}`)
  }
}

/** Throws `RuleBundleError` naming the first rule that is out of range; returns the bundle. */
export function validateRuleBundle(bundle: RuleBundle): RuleBundle {
  for (const key of Object.keys(bundle)) {
    if (!(key in defaultRuleBundle)) throw new RuleBundleError('unknown-rule', key, 'is not a rule')
  }
  integerIn(bundle, 'version', 1, 0xffff_ffff)
  const epoch = bundle.epochLenMs
  if (typeof epoch !== 'bigint' || epoch < 1_000n || epoch > 2_592_000_000n) {
    throw new RuleBundleError('invalid-rule', 'epochLenMs', `must be a bigint in [1000, 2592000000] ms, got ${String(epoch)}`)
  }
  realIn(bundle, 'explorationRate', 0, 1)
  realIn(bundle, 'disagreementQuarantineThreshold', 0, 1, true)
  integerIn(bundle, 'minDiverseProbers', 1, 0xffff_ffff)
  integerIn(bundle, 'maxProbeRedundancy', bundle.minDiverseProbers, 0xffff_ffff)
  integerIn(bundle, 'defaultCircuitLen', 1, 8)
  integerIn(bundle, 'relayBatchMaxDelayMs', 0, 10_000)
  integerIn(bundle, 'fixedCellBytes', 256, 65_536)
  for (const w of WEIGHTS) realIn(bundle, w, 0, Number.MAX_VALUE)
  if (WEIGHTS.every((w) => bundle[w] === 0)) {
    throw new RuleBundleError('invalid-rule', 'wSuccess', 'at least one metric weight must be positive')
  }
  return bundle
}

/** The default bundle with `overrides` applied, validated. */
export function createRuleBundle(overrides: Partial<RuleBundle> = {}): RuleBundle {
  return validateRuleBundle({ ...defaultRuleBundle, ...overrides })
}

/** The rules of a world that differs from the default only in its epoch length (ms; 0 keeps the default). */
export function worldRules(epochMs: number): RuleBundle {
  return epochMs === 0 ? { ...defaultRuleBundle } : createRuleBundle({ epochLenMs: BigInt(epochMs) })
}
