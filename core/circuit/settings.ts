/**
 * Circuit settings: every field documented, a default, and a
 * `create`/`validate` pair that throws `CircuitError('circuit/invalid-setting')`.
 * The cell size is a world rule (`fixedCellBytes`); `circuitSettingsFor`
 * takes it from the world's rule bundle.
 */
import type { RuleBundle } from '../types.js'
import { defaultRuleBundle } from '../rule-bundle.js'
import { CircuitError } from './errors.js'

export interface CircuitSettings {
  /**
   * Size of every cell on a link, in bytes: the rule bundle's
   * `fixedCellBytes`. In [256, 65 536]: below 256 an EXTEND with a usual
   * contact hint does not fit one cell (an EXTENDED alone needs 130).
   */
  cellBytes: number
  /**
   * Client: the longest a whole build (CREATE and every EXTEND) may take.
   * Hop: the longest it waits for the next hop's CREATED after an EXTEND.
   * In ms, (0, 600 000].
   */
  buildTimeoutMs: number
  /**
   * A circuit with no cell in either direction for this long is destroyed
   * (`timeout`), by every hop and by the client alike, so a hop that
   * vanishes without closing its channel is noticed. In ms, (0, 86 400 000].
   */
  idleTimeoutMs: number
  /** Most circuits one channel carries (both directions together), in [1, 2^31 − 1]. */
  maxCircuitsPerChannel: number
  /** Most circuits one hop relays at once, over all its channels, ≥ 1. */
  maxCircuits: number
  /** Most streams open at once on one circuit, in [1, 65 535]. */
  maxStreamsPerCircuit: number
}

export const defaultCircuitSettings: Readonly<CircuitSettings> = Object.freeze({
  cellBytes: defaultRuleBundle.fixedCellBytes,
  buildTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
  maxCircuitsPerChannel: 1024,
  maxCircuits: 8192,
  maxStreamsPerCircuit: 64,
})

function invalid(field: string, detail: string): CircuitError {
  return new CircuitError('circuit/invalid-setting', `circuit setting ${field}: ${detail}`, field)
}

function integerIn(settings: CircuitSettings, field: keyof CircuitSettings, min: number, max: number): void {
  const v = settings[field]
  if (!Number.isInteger(v) || v < min || v > max) throw invalid(field, `must be an integer in [${min}, ${max}], got ${String(v)}`)
}

function msIn(settings: CircuitSettings, field: keyof CircuitSettings, max: number): void {
  const v = settings[field]
  if (typeof v !== 'number' || !(v > 0) || v > max) throw invalid(field, `must be a number of ms in (0, ${max}], got ${String(v)}`)
}

/** Throws `CircuitError('circuit/invalid-setting')` naming the first field out of range; returns the settings. */
export function validateCircuitSettings(settings: CircuitSettings): CircuitSettings {
  for (const key of Object.keys(settings)) {
    if (!(key in defaultCircuitSettings)) throw invalid(key, 'is not a circuit setting')
  }
  integerIn(settings, 'cellBytes', 256, 65_536)
  msIn(settings, 'buildTimeoutMs', 600_000)
  msIn(settings, 'idleTimeoutMs', 86_400_000)
  integerIn(settings, 'maxCircuitsPerChannel', 1, 0x7fff_ffff)
  integerIn(settings, 'maxCircuits', 1, Number.MAX_SAFE_INTEGER)
  integerIn(settings, 'maxStreamsPerCircuit', 1, 0xffff)
  return settings
}

/** The defaults with `overrides` applied, validated. */
export function createCircuitSettings(overrides: Partial<CircuitSettings> = {}): CircuitSettings {
  return validateCircuitSettings({ ...defaultCircuitSettings, ...overrides })
}

/** Settings for circuits of a world: its cell size, the defaults, then `overrides`. */
export function circuitSettingsFor(rules: RuleBundle, overrides: Partial<Omit<CircuitSettings, 'cellBytes'>> = {}): CircuitSettings {
  return createCircuitSettings({ ...overrides, cellBytes: rules.fixedCellBytes })
}
