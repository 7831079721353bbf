/**
 * The typed errors of onion circuits. Every failure a peer can cause (bad
 * bytes, replays, tampering, a refused extension, a dead neighbour) is a
 * `CircuitError` with a stable `code`; what else there is to know (why a
 * circuit was destroyed, why an extension failed) is its `reason`.
 */
import { TerrainError } from '../errors.js'

export type CircuitErrorCode =
  /** A cell whose length is not the world's cell size. */
  | 'circuit/bad-cell-length'
  /** A cell or relay message that breaks the format (non-zero padding, a length past the end, bad UTF-8, …). */
  | 'circuit/bad-cell'
  /** A link or relay command this implementation does not know. */
  | 'circuit/unknown-command'
  /** A cell for a circuit id that is not open on this channel. */
  | 'circuit/unknown-circuit'
  /** A CREATE with circuit id 0, an id of the other side's half, or an id already in use. */
  | 'circuit/bad-circuit-id'
  /** A cell that is valid on its own but not in the circuit's state (RELAY before CREATED, a second EXTEND, …). */
  | 'circuit/unexpected-cell'
  /** A relay cell whose `seq` is not the previous one plus 1 (a replay, a gap, a reordering). */
  | 'circuit/replay'
  /** A relay cell that no layer could open: altered on the way, or garbage. */
  | 'circuit/tampered'
  /** A CREATED or EXTENDED that does not prove the expected hop's identity, or a degenerate key. */
  | 'circuit/bad-handshake'
  /** The last hop could not extend the circuit; `reason` says why. */
  | 'circuit/extend-failed'
  /** The circuit is gone: destroyed by a hop, by its channel closing, or locally; `reason` says why. */
  | 'circuit/destroyed'
  /** A build that did not finish in time, or a circuit idle for too long. */
  | 'circuit/timeout'
  /** A channel or a hop already carries as many circuits as its settings allow. */
  | 'circuit/too-many-circuits'
  /** A circuit already carries as many streams as its settings allow. */
  | 'circuit/too-many-streams'
  /** Writing to a stream this side has ended. */
  | 'circuit/stream-closed'
  /** The other end aborted the stream; `reason` is its END reason. */
  | 'circuit/stream-reset'
  /** A path the client cannot build: empty, too long, a bad key, or a contact hint that does not fit a cell. */
  | 'circuit/bad-path'
  /** A circuit setting out of range; `reason` names the field. */
  | 'circuit/invalid-setting'

export class CircuitError extends TerrainError {
  declare readonly code: CircuitErrorCode

  constructor(
    code: CircuitErrorCode,
    message: string,
    /** Why, where the code alone does not say: a destroy reason, an extend failure, an END reason, a setting name. */
    readonly reason?: string,
  ) {
    super(code, message)
  }
}
