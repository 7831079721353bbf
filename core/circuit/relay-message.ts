/**
 * Relay messages: the plaintext inside an onion, one message or more of
 * `command` u8 | `stream_id` u16 BE | `length` u16 BE | data, back to back,
 * then zero padding, exactly `cellBytes − 29` bytes (the cell header and
 * the AEAD tag take the rest).
 * Stream 0 carries the circuit's own messages (EXTEND, EXTENDED,
 * EXTEND_FAILED); BEGIN, DATA and END name a stream from 1.
 */
import { utf8 } from '../bytes.js'
import { PUBLIC_KEY_BYTES } from '../ed25519.js'
import {
  CELL_HEADER_BYTES,
  CREATED_BODY_BYTES,
  X25519_KEY_BYTES,
  decodeCreatedBody,
  encodeCreatedBody,
  type CreatedBody,
} from './cell.js'
import { CircuitError } from './errors.js'

export const AEAD_TAG_BYTES = 16
export const RELAY_HEADER_BYTES = 5

export const RELAY_COMMANDS = { extend: 1, extended: 2, 'extend-failed': 3, begin: 4, data: 5, end: 6 } as const
export type RelayCommand = keyof typeof RELAY_COMMANDS
const RELAY_COMMAND_BY_CODE = new Map(Object.entries(RELAY_COMMANDS).map(([k, v]) => [v as number, k as RelayCommand]))
const CIRCUIT_COMMANDS: ReadonlySet<RelayCommand> = new Set(['extend', 'extended', 'extend-failed'])

/** Why a hop could not extend: the data byte of an EXTEND_FAILED. */
export const EXTEND_FAILURES = {
  /** The dialer could not reach the next hop. */
  unreachable: 1,
  /** The next hop did not answer the CREATE in time. */
  timeout: 2,
  /** The next hop answered the CREATE with a DESTROY. */
  refused: 3,
  /** A malformed EXTEND, one naming this hop itself, or one to a circuit that is extended or extending. */
  'bad-request': 4,
  /** The channel to the next hop carries as many circuits as it may. */
  'resource-limit': 5,
} as const
export type ExtendFailure = keyof typeof EXTEND_FAILURES
const EXTEND_FAILURE_BY_CODE = new Map(Object.entries(EXTEND_FAILURES).map(([k, v]) => [v as number, k as ExtendFailure]))

export interface RelayMessage {
  command: RelayCommand
  streamId: number
  data: Uint8Array
}

/** Bytes of a relay plaintext in cells of `cellBytes`. */
export function relayPlaintextBytes(cellBytes: number): number {
  return cellBytes - CELL_HEADER_BYTES - AEAD_TAG_BYTES
}

/** Most data bytes one relay message carries. */
export function maxRelayData(cellBytes: number): number {
  return relayPlaintextBytes(cellBytes) - RELAY_HEADER_BYTES
}

function badCell(message: string): CircuitError {
  return new CircuitError('circuit/bad-cell', message)
}

function checkStream(command: RelayCommand, streamId: number): void {
  if (CIRCUIT_COMMANDS.has(command) !== (streamId === 0)) {
    throw badCell(`${command} ${streamId === 0 ? 'needs a stream id' : 'is sent on stream 0'}`)
  }
}

/** Bytes `message` takes in a relay plaintext: its header and data. */
export const relayMessageBytes = (message: RelayMessage): number => RELAY_HEADER_BYTES + message.data.length

function checkMessage(cellBytes: number, message: RelayMessage): void {
  checkStream(message.command, message.streamId)
  if (!Number.isInteger(message.streamId) || message.streamId < 0 || message.streamId > 0xffff) {
    throw new RangeError(`not a stream id: ${message.streamId}`)
  }
  if (message.data.length > maxRelayData(cellBytes)) {
    throw new RangeError(`relay data of ${message.data.length} bytes exceeds ${maxRelayData(cellBytes)}`)
  }
}

/** The plaintext of a cell carrying `messages` back to back, then zeros; throws a `RangeError` if they do not fit one cell. */
export function encodeRelayMessages(cellBytes: number, messages: readonly RelayMessage[]): Uint8Array {
  if (messages.length === 0) throw new RangeError('a relay cell carries at least one message')
  const plaintext = new Uint8Array(relayPlaintextBytes(cellBytes))
  const view = new DataView(plaintext.buffer)
  let at = 0
  for (const message of messages) {
    checkMessage(cellBytes, message)
    if (at + relayMessageBytes(message) > plaintext.length) throw new RangeError(`${messages.length} relay messages exceed one cell`)
    plaintext[at] = RELAY_COMMANDS[message.command]
    view.setUint16(at + 1, message.streamId)
    view.setUint16(at + 3, message.data.length)
    plaintext.set(message.data, at + RELAY_HEADER_BYTES)
    at += relayMessageBytes(message)
  }
  return plaintext
}

/**
 * Strict decode of an opened relay plaintext: one message or more, back to
 * back, then zeros (a zero command byte where a message could start begins
 * the padding). Each `data` is a view into the plaintext.
 */
export function decodeRelayMessages(plaintext: Uint8Array): RelayMessage[] {
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength)
  const messages: RelayMessage[] = []
  let at = 0
  while (at < plaintext.length && (messages.length === 0 || plaintext[at] !== 0)) {
    const command = RELAY_COMMAND_BY_CODE.get(plaintext[at]!)
    if (!command) throw new CircuitError('circuit/unknown-command', `unknown relay command ${plaintext[at]}`)
    if (at + RELAY_HEADER_BYTES > plaintext.length) throw badCell('a relay message header runs past the cell')
    const streamId = view.getUint16(at + 1)
    const length = view.getUint16(at + 3)
    checkStream(command, streamId)
    const end = at + RELAY_HEADER_BYTES + length
    if (end > plaintext.length) throw badCell(`relay data length ${length} runs past the cell`)
    messages.push({ command, streamId, data: plaintext.subarray(at + RELAY_HEADER_BYTES, end) })
    at = end
  }
  for (let i = at; i < plaintext.length; i++) {
    if (plaintext[i] !== 0) throw badCell('non-zero padding after relay data')
  }
  return messages
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 text of a relay field (contact hint, service, END reason); bad UTF-8 is a bad cell. */
export function decodeText(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    throw badCell(`${what} is not UTF-8`)
  }
}

/** UTF-8 of `text`, cut at a character boundary to at most `maxBytes` (END reasons are informative). */
export function encodeTextWithin(text: string, maxBytes: number): Uint8Array {
  const bytes = utf8(text)
  if (bytes.length <= maxBytes) return bytes
  let end = maxBytes
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return bytes.subarray(0, end)
}

export interface ExtendRequest {
  /** Ed25519 identity key of the next hop: its CREATED must be signed by it. */
  nextHopKey: Uint8Array
  /** The client's ephemeral X25519 key for the next hop, passed on in the CREATE. */
  clientPublic: Uint8Array
  /** How the extending hop reaches the next one (a peer id, a multiaddr); may be empty. */
  contactHint: string
}

export function encodeExtend(request: ExtendRequest): Uint8Array {
  const hint = utf8(request.contactHint)
  const data = new Uint8Array(PUBLIC_KEY_BYTES + X25519_KEY_BYTES + hint.length)
  data.set(request.nextHopKey)
  data.set(request.clientPublic, PUBLIC_KEY_BYTES)
  data.set(hint, PUBLIC_KEY_BYTES + X25519_KEY_BYTES)
  return data
}

export function decodeExtend(data: Uint8Array): ExtendRequest {
  const keys = PUBLIC_KEY_BYTES + X25519_KEY_BYTES
  if (data.length < keys) throw badCell(`EXTEND data is ${data.length} bytes, needs at least ${keys}`)
  return {
    nextHopKey: data.slice(0, PUBLIC_KEY_BYTES),
    clientPublic: data.slice(PUBLIC_KEY_BYTES, keys),
    contactHint: decodeText(data.subarray(keys), 'contact hint'),
  }
}

/** EXTENDED carries the next hop's CREATED body unchanged. */
export const encodeExtended = encodeCreatedBody

export function decodeExtended(data: Uint8Array): CreatedBody {
  if (data.length !== CREATED_BODY_BYTES) throw badCell(`EXTENDED data is ${data.length} bytes, not ${CREATED_BODY_BYTES}`)
  return decodeCreatedBody(data)
}

export function encodeExtendFailed(failure: ExtendFailure): Uint8Array {
  return new Uint8Array([EXTEND_FAILURES[failure]])
}

export function decodeExtendFailed(data: Uint8Array): ExtendFailure {
  const failure = data.length === 1 ? EXTEND_FAILURE_BY_CODE.get(data[0]!) : undefined
  if (!failure) throw badCell('EXTEND_FAILED data is not one known reason byte')
  return failure
}
