/**
 * Events: building them from signed bodies, and the validator every peer runs
 * before it stores or forwards one. The validator recomputes every id,
 * verifies every signature and checks that type, world and epoch agree; each
 * rejection carries a typed reason.
 */
import { concatBytes, equalBytes } from './bytes.js'
import { CanonError, decode, encode, Reader } from './canonical.js'
import { getEd25519, type Ed25519Backend } from './ed25519.js'
import { TerrainError } from './errors.js'
import { blake3Ready, blake3Sync } from './hash.js'
import { deriveEventIdSync } from './ids.js'
import { isSealedRecord } from './record-kind.js'
import { checkDescriptor, SIG_DOMAIN } from './signing.js'
import { eventCodec } from './structs.js'
import { EVENT_TYPES, type Bytes32, type Event, type EventBody, type EventType } from './types.js'

/** Largest encoded event accepted; bodies are small, so anything bigger is abuse. */
export const MAX_EVENT_BYTES = 16 * 1024

export type EventRejection =
  | 'too-large'
  | 'malformed'
  | 'unsupported-event-type'
  | 'type-body-mismatch'
  | 'world-mismatch'
  | 'epoch-mismatch'
  | 'wrong-world'
  | 'epoch-out-of-range'
  | 'event-id-mismatch'
  | 'body-id-mismatch'
  | 'bad-key'
  | 'bad-signature'

export class EventValidationError extends TerrainError {
  declare readonly code: EventRejection
  constructor(code: EventRejection, detail: string, options?: { cause?: unknown }) {
    super(code, detail)
    if (options?.cause !== undefined) this.cause = options.cause
  }
}

export type EventValidation = { ok: true; event: Event } | { ok: false; error: EventValidationError }

/** A rejection as plain data, so it can cross a thread boundary. */
export interface RejectionReport {
  code: EventRejection
  message: string
}

export interface EventValidationOptions {
  /** Only accept events of this world. */
  world?: Bytes32
  /** Only accept events whose epoch lies in this inclusive range. */
  epochs?: { min: bigint; max: bigint }
  /** Ed25519 backend; defaults to the fastest the runtime offers. */
  ed25519?: Ed25519Backend
}

/** Every body variant keeps its payload under its own type name, and every payload has a world and an epoch. */
function bodyHeader(body: EventBody): { world: Bytes32; epochId: bigint } {
  return (body as unknown as Record<EventBody['type'], { world: Bytes32; epochId: bigint }>)[body.type]
}

/** The transport key that signed an event's body: its author. */
export function eventSigner(event: Event): Uint8Array {
  const body = event.body
  switch (body.type) {
    case 'receipt':
      return body.receipt.proberTransportPubkey
    case 'attestation':
      return body.attestation.proberTransportPubkey
    case 'dispute':
      return body.dispute.disputerTransportPubkey
    case 'linkHint':
      return body.linkHint.signerTransportPubkey
    case 'ruleEndorsement':
      return body.ruleEndorsement.signerTransportPubkey
    case 'descriptorPublish':
      return body.descriptorPublish.descriptor.providerTransportPubkey
  }
}

/** Wrap a signed body in an `Event`: type, world and epoch come from the body, the id is derived. */
export async function createEvent(body: EventBody): Promise<Event> {
  await blake3Ready()
  const { world, epochId } = bodyHeader(body)
  const unsigned = { world, epochId, eventType: body.type satisfies EventType, body }
  return { eventId: deriveEventIdSync(unsigned), ...unsigned }
}

const reject = (code: EventRejection, detail: string, cause?: unknown): EventValidation => ({
  ok: false,
  error: new EventValidationError(code, detail, { cause }),
})

/** A `CanonError` is bad input and becomes a rejection; anything else is a bug and propagates. */
function malformed(error: unknown): EventValidation {
  if (error instanceof CanonError) return reject('malformed', error.message, error)
  throw error
}

/** The signed body's id (if it has one), signer key, signature and domain. */
function signedParts(body: Exclude<EventBody, { type: 'descriptorPublish' }>) {
  switch (body.type) {
    case 'receipt': {
      const r = body.receipt
      return { id: r.receiptId, key: r.proberTransportPubkey, signature: r.signature, domain: SIG_DOMAIN.receipt }
    }
    case 'attestation': {
      const a = body.attestation
      return { id: a.attestationId, key: a.proberTransportPubkey, signature: a.signature, domain: SIG_DOMAIN.attestation }
    }
    case 'dispute': {
      const d = body.dispute
      return { id: undefined, key: d.disputerTransportPubkey, signature: d.signature, domain: SIG_DOMAIN.dispute }
    }
    case 'linkHint': {
      const l = body.linkHint
      return { id: undefined, key: l.signerTransportPubkey, signature: l.signature, domain: SIG_DOMAIN.linkHint }
    }
    case 'ruleEndorsement': {
      const e = body.ruleEndorsement
      return { id: undefined, key: e.signerTransportPubkey, signature: e.signature, domain: SIG_DOMAIN.ruleEndorsement }
    }
  }
}

function varintLength(n: bigint | number): number {
  let length = 1
  for (let v = BigInt(n); v >= 0x80n; v >>= 7n) length++
  return length
}

/**
 * Check the body's id and signature; null when valid. `bytes` is the event's
 * canonical encoding. Every signed body is the event's last field and its
 * signature the body's last field, so `canon(body without signature)` is a
 * slice of those bytes: nothing is re-encoded on the hot path.
 */
async function checkBody(event: Event, bytes: Uint8Array, ed: Ed25519Backend): Promise<EventValidation | null> {
  const body = event.body
  if (body.type === 'descriptorPublish') {
    const p = body.descriptorPublish
    const u = p.descriptor.unsigned
    if (!equalBytes(u.world, p.world)) return reject('world-mismatch', 'descriptor is for another world')
    if (u.descriptorEpoch !== p.epochId) return reject('epoch-mismatch', 'descriptor is for another epoch')
    const fault = await checkDescriptor(p.descriptor, ed)
    if (fault === 'descriptor-id-mismatch') return reject('body-id-mismatch', 'descriptor_id is not H(descriptor)')
    if (fault === 'bad-key') return reject('bad-key', 'provider key is not 32 bytes')
    if (fault === 'bad-signature') return reject('bad-signature', 'descriptor signature does not verify')
    return null
  }
  const { id, key, signature, domain } = signedParts(body)
  // event_id (32) || world (32) || epoch_id || event_type (1 byte) || body variant (1 byte) || body
  const start = 64 + varintLength(event.epochId) + 2
  const unsignedBody = bytes.subarray(start, bytes.length - varintLength(signature.length) - signature.length)
  if (id && !equalBytes(blake3Sync(unsignedBody.subarray(32)), id)) {
    return reject('body-id-mismatch', `${body.type} id is not the hash of its contents`)
  }
  if (key.length !== 32) return reject('bad-key', `signer key is ${key.length} bytes, expected 32`)
  const ok = await ed.verify(key, concatBytes(domain, unsignedBody), signature)
  return ok ? null : reject('bad-signature', `${body.type} signature does not verify`)
}

/**
 * Validate an event object (say, one built locally or passed across a worker
 * boundary). Encoding it first checks its shape, so a malformed object is a
 * typed rejection, never a throw.
 */
export async function validateEvent(event: Event, options: EventValidationOptions = {}): Promise<EventValidation> {
  let bytes: Uint8Array
  try {
    bytes = encode(eventCodec, event)
  } catch (e) {
    return malformed(e)
  }
  if (bytes.length > MAX_EVENT_BYTES) return reject('too-large', `event is ${bytes.length} bytes, limit ${MAX_EVENT_BYTES}`)
  await blake3Ready()
  return validateDecoded(event, bytes, options)
}

/**
 * Decode and validate an event received from the network. The strict decoder
 * guarantees `encode(decode(b)) == b`, so the EventId is hashed straight from
 * the received bytes after the id field.
 */
export async function validateEventBytes(input: Uint8Array, options: EventValidationOptions = {}): Promise<EventValidation> {
  if (!(input instanceof Uint8Array)) return reject('malformed', 'event is not bytes')
  if (input.length > MAX_EVENT_BYTES) return reject('too-large', `event is ${input.length} bytes, limit ${MAX_EVENT_BYTES}`)
  let event: Event
  try {
    event = decode(eventCodec, input)
  } catch (e) {
    return malformed(e)
  }
  await blake3Ready()
  return validateDecoded(event, input, options)
}

/**
 * Validate an event already decoded from `bytes` by the strict decoder (so
 * `bytes` is its canonical encoding): saves decoding twice where the caller
 * needed the event anyway. Passing any other bytes is a caller bug.
 */
export async function validateDecodedEvent(event: Event, bytes: Uint8Array, options: EventValidationOptions = {}): Promise<EventValidation> {
  if (bytes.length > MAX_EVENT_BYTES) return reject('too-large', `event is ${bytes.length} bytes, limit ${MAX_EVENT_BYTES}`)
  await blake3Ready()
  return validateDecoded(event, bytes, options)
}

/** `bytes` is the canonical encoding of `event`, so the EventId is hashed straight from it. */
async function validateDecoded(event: Event, bytes: Uint8Array, options: EventValidationOptions): Promise<EventValidation> {
  if (event.eventType !== event.body.type) {
    const supported = ['receipt', 'attestation', 'dispute', 'linkHint', 'ruleEndorsement', 'descriptorPublish']
    return supported.includes(event.eventType)
      ? reject('type-body-mismatch', `event_type ${event.eventType} carries a ${event.body.type} body`)
      : reject('unsupported-event-type', `event_type ${event.eventType} has no body in this protocol version`)
  }
  const header = bodyHeader(event.body)
  if (!equalBytes(header.world, event.world)) return reject('world-mismatch', 'event world differs from its body')
  if (header.epochId !== event.epochId) return reject('epoch-mismatch', 'event epoch differs from its body')
  if (options.world && !equalBytes(options.world, event.world)) return reject('wrong-world', 'event is for another world')
  if (options.epochs && (event.epochId < options.epochs.min || event.epochId > options.epochs.max)) {
    return reject('epoch-out-of-range', `epoch ${event.epochId} outside [${options.epochs.min}, ${options.epochs.max}]`)
  }
  if (!equalBytes(blake3Sync(bytes.subarray(32)), event.eventId)) return reject('event-id-mismatch', 'event_id is not H(event)')
  const fault = await checkBody(event, bytes, options.ed25519 ?? (await getEd25519()))
  return fault ?? { ok: true, event }
}

const DESCRIPTOR_TYPE_INDEX = EVENT_TYPES.indexOf('descriptorPublish')
const CONTROL_PLANE_TYPE_INDEXES = (['descriptorPublish', 'receipt', 'attestation', 'dispute'] as const).map((t) => EVENT_TYPES.indexOf(t))

/**
 * The epoch and event type index of encoded event bytes, read from the
 * header alone (event_id, world, epoch_id, then event_type), so a log can be
 * scanned without decoding every event; undefined when unreadable or when
 * the bytes are a sealed record, whose type only its opener knows. The
 * header is not checked against the body: for bytes validated already.
 */
function eventHeader(bytes: Uint8Array): { epochId: bigint; typeIndex: number } | undefined {
  if (isSealedRecord(bytes)) return undefined
  try {
    const reader = new Reader(bytes)
    reader.take(64)
    const epochId = reader.varint(64)
    return { epochId, typeIndex: Number(reader.varint(32)) }
  } catch {
    return undefined
  }
}

const eventTypeIndex = (bytes: Uint8Array): number | undefined => eventHeader(bytes)?.typeIndex

const EVIDENCE_TYPE_INDEXES = (['receipt', 'attestation'] as const).map((t) => EVENT_TYPES.indexOf(t))

/** The epoch of a plain receipt or attestation, from its header; undefined for any other record. */
export function evidenceEpochId(bytes: Uint8Array): bigint | undefined {
  const header = eventHeader(bytes)
  return header && EVIDENCE_TYPE_INDEXES.includes(header.typeIndex) ? header.epochId : undefined
}

/** Whether encoded event bytes announce a descriptor. */
export function isDescriptorEvent(bytes: Uint8Array): boolean {
  return eventTypeIndex(bytes) === DESCRIPTOR_TYPE_INDEX
}

/**
 * Whether log-record bytes are something a router reads: a descriptor, a
 * sealed record, or a plain receipt, attestation or dispute (members only
 * ever publish these sealed, but a router reads them from any source).
 */
export function isControlPlaneRecord(bytes: Uint8Array): boolean {
  if (isSealedRecord(bytes)) return true
  const type = eventTypeIndex(bytes)
  return type !== undefined && CONTROL_PLANE_TYPE_INDEXES.includes(type)
}
