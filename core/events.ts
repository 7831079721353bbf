/**
 * Events: building them from signed bodies, and the validator every peer runs
 * before it stores or forwards one. The validator recomputes every id,
 * verifies every signature and checks that type, world and epoch agree; each
 * rejection carries a typed reason.
 */
import { equalBytes } from './bytes.js'
import { CanonError, decode, encode } from './canonical.js'
import { getEd25519, type Ed25519Backend } from './ed25519.js'
import { TerrainError } from './errors.js'
import { blake3Ready, blake3Sync } from './hash.js'
import { deriveAttestationIdSync, deriveEventIdSync, deriveReceiptIdSync } from './ids.js'
import {
  attestationSigningBytes,
  checkDescriptor,
  disputeSigningBytes,
  linkHintSigningBytes,
  receiptSigningBytes,
  ruleEndorsementSigningBytes,
} from './signing.js'
import { eventCodec } from './structs.js'
import type { Bytes32, Event, EventBody, EventType } from './types.js'

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

export interface EventValidationOptions {
  /** Only accept events of this world. */
  world?: Bytes32
  /** Only accept events whose epoch lies in this inclusive range. */
  epochs?: { min: bigint; max: bigint }
  /** Ed25519 backend; defaults to the fastest the runtime offers. */
  ed25519?: Ed25519Backend
}

function bodyHeader(body: EventBody): { world: Bytes32; epochId: bigint } {
  return body.type === 'receipt'
    ? body.receipt
    : body.type === 'attestation'
      ? body.attestation
      : body.type === 'dispute'
        ? body.dispute
        : body.type === 'linkHint'
          ? body.linkHint
          : body.type === 'ruleEndorsement'
            ? body.ruleEndorsement
            : body.descriptorPublish
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

/** Check id and signature of the signed body; null when valid. */
async function checkBody(body: EventBody, ed: Ed25519Backend): Promise<EventValidation | null> {
  const verify = async (key: Uint8Array, message: Uint8Array, signature: Uint8Array) => {
    if (key.length !== 32) return reject('bad-key', `signer key is ${key.length} bytes, expected 32`)
    return (await ed.verify(key, message, signature)) ? null : reject('bad-signature', `${body.type} signature does not verify`)
  }
  switch (body.type) {
    case 'receipt': {
      const r = body.receipt
      if (!equalBytes(deriveReceiptIdSync(r), r.receiptId)) return reject('body-id-mismatch', 'receipt_id is not H(receipt)')
      return verify(r.proberTransportPubkey, receiptSigningBytes(r), r.signature)
    }
    case 'attestation': {
      const a = body.attestation
      if (!equalBytes(deriveAttestationIdSync(a), a.attestationId)) {
        return reject('body-id-mismatch', 'attestation_id is not H(attestation)')
      }
      return verify(a.proberTransportPubkey, attestationSigningBytes(a), a.signature)
    }
    case 'dispute':
      return verify(body.dispute.disputerTransportPubkey, disputeSigningBytes(body.dispute), body.dispute.signature)
    case 'linkHint':
      return verify(body.linkHint.signerTransportPubkey, linkHintSigningBytes(body.linkHint), body.linkHint.signature)
    case 'ruleEndorsement': {
      const e = body.ruleEndorsement
      return verify(e.signerTransportPubkey, ruleEndorsementSigningBytes(e), e.signature)
    }
    case 'descriptorPublish': {
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
  }
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
    if (e instanceof CanonError) return reject('malformed', e.message, e)
    throw e
  }
  await blake3Ready()
  return validateDecoded(event, blake3Sync(bytes.subarray(32)), options)
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
    if (e instanceof CanonError) return reject('malformed', e.message, e)
    throw e
  }
  await blake3Ready()
  return validateDecoded(event, blake3Sync(input.subarray(32)), options)
}

async function validateDecoded(event: Event, recomputedId: Bytes32, options: EventValidationOptions): Promise<EventValidation> {
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
  if (!equalBytes(recomputedId, event.eventId)) return reject('event-id-mismatch', 'event_id is not H(event)')
  try {
    const fault = await checkBody(event.body, options.ed25519 ?? (await getEd25519()))
    return fault ?? { ok: true, event }
  } catch (e) {
    if (e instanceof CanonError) return reject('malformed', e.message, e)
    throw e
  }
}
