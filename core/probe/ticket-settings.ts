/**
 * Settings of probe tickets (`ticket.ts`): every field documented, a default,
 * and a `create`/`validate` pair that throws `ProbeError('invalid-setting')`.
 * A world's probers and verifiers must use the same cost parameters: a ticket
 * minted with other ones is refused before any hashing.
 */
import { ProbeError } from './errors.js'

export interface TicketSettings {
  /**
   * scrypt's CPU/memory cost N: a power of two, at least 2 and at most
   * `maxCostN`. One evaluation touches 128 × N × r bytes.
   */
  costN: number
  /** scrypt's block size r, an integer in [1, 64]. */
  blockSizeR: number
  /** scrypt's parallelism p, an integer in [1, 16]; each unit of p repeats the N × r mixing. */
  parallelismP: number
  /**
   * Leading zero bits the work value must have, an integer in [1, 32]:
   * minting takes 2^difficultyBits evaluations on average, verifying one.
   */
  difficultyBits: number
  /**
   * The largest N this node will ever evaluate, an integer in [2, 2^20]:
   * `costN` may not exceed it, so a verifier's cost is bounded by its own
   * configuration, never by what a ticket claims.
   */
  maxCostN: number
}

/**
 * N = 2^13, r = 8, p = 1: 8 MiB and about 22 ms an evaluation in WASM
 * (hash-wasm on Node 20, one x86-64 core); 9 bits of difficulty make minting
 * 512 evaluations on average, about 11 s, once per identity and epoch.
 * A verifier's worst case is N = maxCostN = 2^15: 32 MiB, about 90 ms.
 */
export const defaultTicketSettings: Readonly<TicketSettings> = Object.freeze({
  costN: 2 ** 13,
  blockSizeR: 8,
  parallelismP: 1,
  difficultyBits: 9,
  maxCostN: 2 ** 15,
})

/** The hard ceiling on `maxCostN`: 2^20 × 128 × r bytes is already 1 GiB at r = 8. */
const costCeiling = 2 ** 20

function invalid(field: string, detail: string): ProbeError {
  return new ProbeError('invalid-setting', `ticket setting ${field}: ${detail}`)
}

function integerIn(s: TicketSettings, field: keyof TicketSettings, min: number, max: number): void {
  const v = s[field]
  if (!Number.isInteger(v) || v < min || v > max) throw invalid(field, `must be an integer in [${min}, ${max}], got ${String(v)}`)
}

const isPowerOfTwo = (n: number) => (n & (n - 1)) === 0

/** Throws `ProbeError('invalid-setting')` naming the first field out of range; returns the settings. */
export function validateTicketSettings(s: TicketSettings): TicketSettings {
  for (const key of Object.keys(s)) if (!(key in defaultTicketSettings)) throw invalid(key, 'is not a ticket setting')
  integerIn(s, 'maxCostN', 2, costCeiling)
  integerIn(s, 'costN', 2, s.maxCostN)
  if (!isPowerOfTwo(s.costN)) throw invalid('costN', `must be a power of two, got ${s.costN}`)
  integerIn(s, 'blockSizeR', 1, 64)
  integerIn(s, 'parallelismP', 1, 16)
  integerIn(s, 'difficultyBits', 1, 32)
  return s
}

/** The defaults with `overrides` applied, validated. */
export function createTicketSettings(overrides: Partial<TicketSettings> = {}): TicketSettings {
  return validateTicketSettings({ ...defaultTicketSettings, ...overrides })
}

/** scrypt evaluations minting takes on average: 2^difficultyBits. */
export function expectedEvaluations(s: Pick<TicketSettings, 'difficultyBits'>): number {
  return 2 ** s.difficultyBits
}
