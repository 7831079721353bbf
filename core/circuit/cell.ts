/**
 * Link cells: every cell on a channel is exactly `cellBytes` long.
 * Header: `circ_id` u32 BE | `command` u8 | `seq` u64 BE (13 bytes); the
 * body is the rest. CREATE, CREATED and DESTROY bodies are decoded here;
 * RELAY bodies are onions (`onion.ts`). Decoding is strict: padding must be
 * zero and `seq` must be 0 outside RELAY cells.
 */
import { SIGNATURE_BYTES } from '../ed25519.js'
import { CircuitError } from './errors.js'

export const CELL_HEADER_BYTES = 13
export const X25519_KEY_BYTES = 32

export const LINK_COMMANDS = { create: 1, created: 2, relay: 3, destroy: 4 } as const
export type LinkCommand = keyof typeof LINK_COMMANDS
const LINK_COMMAND_BY_CODE = new Map(Object.entries(LINK_COMMANDS).map(([k, v]) => [v as number, k as LinkCommand]))

/** Why a circuit was destroyed: the reason byte of a DESTROY cell. */
export const DESTROY_REASONS = {
  /** The sender is done with the circuit. */
  finished: 0,
  /** A malformed or unexpected cell. */
  protocol: 1,
  /** A relay cell no layer could open. */
  tampered: 2,
  /** A relay cell out of sequence. */
  replay: 3,
  /** A build or idle timeout. */
  timeout: 4,
  /** Too many circuits on the channel or the hop. */
  'resource-limit': 5,
  /** A channel the circuit ran over closed. */
  'channel-closed': 6,
} as const
export type DestroyReason = keyof typeof DESTROY_REASONS
const DESTROY_REASON_BY_CODE = new Map(Object.entries(DESTROY_REASONS).map(([k, v]) => [v as number, k as DestroyReason]))

/** The DESTROY reason to send when a circuit ends with `error`. */
export function destroyReasonFor(error: CircuitError): DestroyReason {
  switch (error.code) {
    case 'circuit/replay':
      return 'replay'
    case 'circuit/tampered':
      return 'tampered'
    case 'circuit/timeout':
      return 'timeout'
    case 'circuit/too-many-circuits':
    case 'circuit/too-many-streams':
      return 'resource-limit'
    default:
      return 'protocol'
  }
}

/** The error a circuit ends with when a DESTROY with `reason` arrives. */
export function destroyedError(reason: DestroyReason, by: string): CircuitError {
  return new CircuitError('circuit/destroyed', `circuit destroyed by ${by}: ${reason}`, reason)
}

export interface CellHeader {
  circuitId: number
  command: LinkCommand
  /** Relay cells of a circuit on one link, per direction, from 0; always 0 in other cells. */
  seq: number
}

/** `seq` is a u64 on the wire; a circuit never reaches 2^53, so larger values are refused rather than rounded. */
const MAX_SEQ_HIGH_WORD = 0x1f_ffff

function badCell(message: string): CircuitError {
  return new CircuitError('circuit/bad-cell', message)
}

/** The circuit id of a cell too malformed to decode, when it has one, so its circuit can be torn down. */
export function peekCircuitId(cell: Uint8Array): number | undefined {
  if (cell.length < 4) return undefined
  const id = new DataView(cell.buffer, cell.byteOffset, 4).getUint32(0)
  return id === 0 ? undefined : id
}

/** The validated header of a received cell. */
export function readCellHeader(cell: Uint8Array, cellBytes: number): CellHeader {
  if (cell.length !== cellBytes) {
    throw new CircuitError('circuit/bad-cell-length', `a cell is ${cellBytes} bytes, got ${cell.length}`)
  }
  const view = new DataView(cell.buffer, cell.byteOffset, CELL_HEADER_BYTES)
  const circuitId = view.getUint32(0)
  if (circuitId === 0) throw new CircuitError('circuit/bad-circuit-id', 'circuit id 0 is never used')
  const command = LINK_COMMAND_BY_CODE.get(cell[4]!)
  if (!command) throw new CircuitError('circuit/unknown-command', `unknown link command ${cell[4]}`)
  const high = view.getUint32(5)
  if (high > MAX_SEQ_HIGH_WORD) throw badCell('seq beyond 2^53 − 1')
  const seq = high * 2 ** 32 + view.getUint32(9)
  if (command !== 'relay' && seq !== 0) throw badCell(`seq of a ${command} cell must be 0`)
  return { circuitId, command, seq }
}

/** Writes a header in place: how a hop re-addresses a relay cell for its next link without copying it. */
export function writeCellHeader(cell: Uint8Array, circuitId: number, command: LinkCommand, seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`not a cell seq: ${seq}`)
  const view = new DataView(cell.buffer, cell.byteOffset, CELL_HEADER_BYTES)
  view.setUint32(0, circuitId)
  cell[4] = LINK_COMMANDS[command]
  view.setUint32(5, Math.floor(seq / 2 ** 32))
  view.setUint32(9, seq >>> 0)
}

/** A cell with this header and `body` (zero-padded to the cell size). */
export function encodeCell(cellBytes: number, header: CellHeader, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (body.length > cellBytes - CELL_HEADER_BYTES) throw new RangeError(`a cell body holds at most ${cellBytes - CELL_HEADER_BYTES} bytes`)
  const cell = new Uint8Array(cellBytes)
  writeCellHeader(cell, header.circuitId, header.command, header.seq)
  cell.set(body, CELL_HEADER_BYTES)
  return cell
}

/** The body of a cell (a view, not a copy). */
export function cellBody(cell: Uint8Array): Uint8Array {
  return cell.subarray(CELL_HEADER_BYTES)
}

function requireZeroFrom(cell: Uint8Array, at: number, what: string): void {
  for (let i = at; i < cell.length; i++) {
    if (cell[i] !== 0) throw badCell(`non-zero padding in a ${what} cell`)
  }
}

export function encodeCreate(cellBytes: number, circuitId: number, clientPublic: Uint8Array): Uint8Array {
  return encodeCell(cellBytes, { circuitId, command: 'create', seq: 0 }, clientPublic)
}

/** The client's ephemeral X25519 key in a CREATE cell. */
export function decodeCreate(cell: Uint8Array): Uint8Array {
  const end = CELL_HEADER_BYTES + X25519_KEY_BYTES
  requireZeroFrom(cell, end, 'CREATE')
  return cell.slice(CELL_HEADER_BYTES, end)
}

export interface CreatedBody {
  hopPublic: Uint8Array
  /** Ed25519, by the hop's identity key, over `createdSigningBytes(clientPublic, hopPublic)`. */
  signature: Uint8Array
}

export const CREATED_BODY_BYTES = X25519_KEY_BYTES + SIGNATURE_BYTES

/** `hop_pub || signature`: the CREATED body, also carried unchanged as EXTENDED data. */
export function encodeCreatedBody(created: CreatedBody): Uint8Array {
  const body = new Uint8Array(CREATED_BODY_BYTES)
  body.set(created.hopPublic)
  body.set(created.signature, X25519_KEY_BYTES)
  return body
}

/** Reads a CREATED body from the first `CREATED_BODY_BYTES` of `bytes` (copies). */
export function decodeCreatedBody(bytes: Uint8Array): CreatedBody {
  return { hopPublic: bytes.slice(0, X25519_KEY_BYTES), signature: bytes.slice(X25519_KEY_BYTES, CREATED_BODY_BYTES) }
}

export function encodeCreated(cellBytes: number, circuitId: number, created: CreatedBody): Uint8Array {
  return encodeCell(cellBytes, { circuitId, command: 'created', seq: 0 }, encodeCreatedBody(created))
}

export function decodeCreated(cell: Uint8Array): CreatedBody {
  requireZeroFrom(cell, CELL_HEADER_BYTES + CREATED_BODY_BYTES, 'CREATED')
  return decodeCreatedBody(cell.subarray(CELL_HEADER_BYTES))
}

export function encodeDestroy(cellBytes: number, circuitId: number, reason: DestroyReason): Uint8Array {
  return encodeCell(cellBytes, { circuitId, command: 'destroy', seq: 0 }, new Uint8Array([DESTROY_REASONS[reason]]))
}

export function decodeDestroy(cell: Uint8Array): DestroyReason {
  const reason = DESTROY_REASON_BY_CODE.get(cell[CELL_HEADER_BYTES]!)
  if (reason === undefined) throw badCell(`unknown destroy reason ${cell[CELL_HEADER_BYTES]}`)
  requireZeroFrom(cell, CELL_HEADER_BYTES + 1, 'DESTROY')
  return reason
}
