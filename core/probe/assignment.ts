/**
 * The probe lottery: which targets a prober probes in an epoch. However many
 * volunteers there are, about `maxProbeRedundancy` probers should probe each
 * target, so providers carry a bounded probe load and no crowd of identities
 * can choose to pile onto one target.
 *
 * A prober's draw for a target is `HK(assign_key, prober key || TargetRef)`
 * read as a number in [0, 1), under a key derived from the epoch's
 * control-plane key. Providers do not hold that key, so they cannot tell
 * which probers will come; a prober cannot choose its draws except by
 * choosing its key, and a fresh key has earned no trust. The prober probes
 * the targets whose draw is below `min(1, maxProbeRedundancy / n)`, `n`
 * being the probers it expects (`expectedProbers`). Routers recompute every
 * draw, so they know which reports were assigned (docs/protocol.md §16).
 */
import { le64, utf8 } from '../bytes.js'
import { blake3WithKey } from '../hash.js'
import { deriveControlPlaneKey } from '../ids.js'
import type { Bytes32 } from '../types.js'
import { ProbeError } from './errors.js'

/** What a prober needs to draw its targets for one epoch. */
export interface ProbeAssignment {
  /** The epoch's assignment key (`deriveAssignmentKey`). */
  key: Bytes32
  /** Probers expected to probe this epoch, a positive integer (`expectedProbers`). */
  expectedProbers: number
}

const ASSIGN = utf8('assign')
/** 2^53: a draw keeps the first 53 bits of the hash, all a float holds exactly. */
const TWO_POW_53 = 2 ** 53

/** `assign_key = HK(cpk_epoch, "assign" || WorldId || le64(epoch_id))`. */
export async function deriveAssignmentKey(masterKey: Bytes32, world: Bytes32, epoch: bigint): Promise<Bytes32> {
  const cpk = await deriveControlPlaneKey(masterKey, world, epoch)
  return blake3WithKey(cpk, ASSIGN, world, le64(epoch))
}

/** A prober's draw for a target: the first 8 bytes of `HK(assign_key, prober || TargetRef)`, little-endian, top 53 bits over 2^53. */
export async function assignmentValue(key: Bytes32, prober: Uint8Array, targetRef: Bytes32): Promise<number> {
  for (const [name, bytes] of [['assignment key', key], ['prober key', prober], ['TargetRef', targetRef]] as const) {
    if (bytes.length !== 32) throw new ProbeError('bad-assignment', `${name} must be 32 bytes, got ${bytes.length}`)
  }
  const h = await blake3WithKey(key, prober, targetRef)
  const bits = new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0, true) >> 11n
  return Number(bits) / TWO_POW_53
}

function positiveInteger(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new ProbeError('invalid-setting', `${name} must be a positive integer, got ${String(v)}`)
}

/** The draw below which a prober is assigned: `min(1, maxProbeRedundancy / expectedProbers)`. */
export function assignmentThreshold(maxProbeRedundancy: number, expectedProbers: number): number {
  positiveInteger('maxProbeRedundancy', maxProbeRedundancy)
  positiveInteger('expectedProbers', expectedProbers)
  return Math.min(1, maxProbeRedundancy / expectedProbers)
}

/**
 * Probers to expect in epoch `e` from the count of an earlier one: every
 * prober that showed a valid ticket, all unticketed ones as one (a free
 * identity must not thin everyone's probing), plus one for the prober
 * asking, which may be new.
 */
export function expectedProbers(seen: { ticketed: number; anyUnticketed: boolean } | undefined): number {
  if (!seen) return 1
  return seen.ticketed + (seen.anyUnticketed ? 1 : 0) + 1
}

/** The targets a prober is assigned this epoch, in their given order. */
export async function assignTargets<T extends { targetRef: Bytes32 }>(
  targets: readonly T[],
  o: ProbeAssignment & { prober: Uint8Array; maxProbeRedundancy: number },
): Promise<{ assigned: T[]; unassigned: T[] }> {
  const threshold = assignmentThreshold(o.maxProbeRedundancy, o.expectedProbers)
  const assigned: T[] = []
  const unassigned: T[] = []
  for (const t of targets) ((await assignmentValue(o.key, o.prober, t.targetRef)) < threshold ? assigned : unassigned).push(t)
  return { assigned, unassigned }
}
