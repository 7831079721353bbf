/** The typed errors of probing: one class, a stable code for each way evidence or a setting can be wrong. */
import { TerrainError } from '../errors.js'

export type ProbeErrorCode =
  /** A setting out of range; the message names the field. */
  | 'invalid-setting'
  /** A probe ticket whose parameters are not the ones the world accepts (or exceed the verification bound). */
  | 'ticket-params'
  /** A probe ticket that does not meet the difficulty for this prober key, world and epoch (forged, or another key's). */
  | 'ticket-invalid'
  /** A receipt or attestation for an epoch outside the accepted window (too old, or from the future). */
  | 'out-of-epoch'
  /** A receipt or attestation for another world. */
  | 'wrong-world'
  /** A receipt or attestation whose TargetRef names no provider known for its epoch (mis-targeted). */
  | 'unknown-target'
  /** The same prober already reported this challenge (receipt) or this target and epoch (attestation). */
  | 'replayed'
  /** An attestation whose evidence does not match the prober's receipts for it. */
  | 'evidence-mismatch'
  /** A challenge or answer that cannot be scored (not from this suite, or malformed). */
  | 'bad-challenge'
  /** A probe-lottery input of the wrong size (a key, prober key or TargetRef not 32 bytes). */
  | 'bad-assignment'

export class ProbeError extends TerrainError {
  declare readonly code: ProbeErrorCode
}
