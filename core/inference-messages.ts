/**
 * The inference protocol spoken inside a circuit stream between a client
 * and a provider: one request, then a stream of response messages, each a
 * length-prefixed JSON object (u32 big-endian length, UTF-8 JSON). JSON is
 * fine here: nothing in it is hashed or signed, and providers forwarding to
 * OpenAI-compatible servers speak it anyway.
 */
import { concatBytes } from './bytes.js'
import { TerrainError } from './errors.js'

/** Largest message either side accepts; a prompt of this size is far beyond any built-in model's context. */
export const MAX_INFERENCE_MESSAGE_BYTES = 64 * 1024

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface InferenceRequest {
  type: 'request'
  /** A base model id the client wants, or undefined for whatever the provider serves. */
  model?: string
  messages: ChatMessage[]
  maxTokens: number
  /** 0 for greedy decoding. */
  temperature: number
  seed?: number
}

export type InferenceResponse =
  | { type: 'start'; model: string; runtime: string }
  /** Pieces of text in the order the model made them, one a token: a fast model's tokens share a message. */
  | { type: 'tokens'; texts: string[] }
  | { type: 'end'; finishReason: 'stop' | 'length'; tokens: number }
  | { type: 'error'; code: string; message: string }

export type InferenceMessage = InferenceRequest | InferenceResponse

export type InferenceProtocolErrorCode = 'message-too-large' | 'bad-json' | 'bad-message' | 'truncated-message'

export class InferenceProtocolError extends TerrainError {
  declare readonly code: InferenceProtocolErrorCode
}

const MAX_TOKENS_LIMIT = 4096
const ROLES = new Set(['system', 'user', 'assistant'])

export function encodeInferenceMessage(message: InferenceMessage): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(message))
  if (json.length > MAX_INFERENCE_MESSAGE_BYTES) {
    throw new InferenceProtocolError('message-too-large', `message of ${json.length} bytes exceeds ${MAX_INFERENCE_MESSAGE_BYTES}`)
  }
  const out = new Uint8Array(4 + json.length)
  new DataView(out.buffer).setUint32(0, json.length)
  out.set(json, 4)
  return out
}

/** UTF-8 bytes of token text one `tokens` message gathers before the next begins: well inside the message limit. */
const TOKENS_MESSAGE_TEXT_BYTES = 16 * 1024

/**
 * Encodes responses that leave together, merging each run of `tokens`
 * messages into one (a token costs a few bytes instead of a message's
 * framing and JSON keys, so a fast model's burst fits in fewer cells).
 */
export function encodeInferenceResponses(responses: readonly InferenceResponse[]): Uint8Array {
  const merged: InferenceResponse[] = []
  let run: string[] | undefined
  let runBytes = 0
  for (const response of responses) {
    if (response.type !== 'tokens') {
      merged.push(response)
      run = undefined
      continue
    }
    for (const text of response.texts) {
      const bytes = text.length * 3 // a UTF-16 unit is at most 3 UTF-8 bytes: a bound, without encoding
      if (run === undefined || runBytes + bytes > TOKENS_MESSAGE_TEXT_BYTES) {
        run = []
        runBytes = 0
        merged.push({ type: 'tokens', texts: run })
      }
      run.push(text)
      runBytes += bytes
    }
  }
  const parts = merged.map(encodeInferenceMessage)
  return parts.length === 1 ? parts[0]! : concatBytes(...parts)
}

const isString = (v: unknown): v is string => typeof v === 'string'
const isCount = (v: unknown, max: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max

/** Check the shape of a parsed message; anything else is a typed `bad-message`. */
export function checkInferenceMessage(value: unknown): InferenceMessage {
  const bad = (why: string) => new InferenceProtocolError('bad-message', `inference message: ${why}`)
  if (typeof value !== 'object' || value === null) throw bad('not an object')
  const m = value as Record<string, unknown>
  switch (m.type) {
    case 'request': {
      if (!Array.isArray(m.messages) || m.messages.length === 0) throw bad('a request needs at least one message')
      for (const c of m.messages as unknown[]) {
        const chat = c as Record<string, unknown>
        if (typeof c !== 'object' || c === null || !ROLES.has(chat.role as string) || !isString(chat.content)) throw bad('each message needs a role and string content')
      }
      if (!isCount(m.maxTokens, MAX_TOKENS_LIMIT) || m.maxTokens === 0) throw bad(`maxTokens must be an integer in [1, ${MAX_TOKENS_LIMIT}]`)
      if (typeof m.temperature !== 'number' || !(m.temperature >= 0 && m.temperature <= 2)) throw bad('temperature must be in [0, 2]')
      if (m.model !== undefined && !isString(m.model)) throw bad('model must be a string')
      if (m.seed !== undefined && !isCount(m.seed, 2 ** 32 - 1)) throw bad('seed must be a u32')
      return m as unknown as InferenceRequest
    }
    case 'start':
      if (!isString(m.model) || !isString(m.runtime)) throw bad('start needs model and runtime')
      return m as unknown as InferenceResponse
    case 'tokens':
      if (!Array.isArray(m.texts) || m.texts.length === 0 || !m.texts.every(isString)) throw bad('tokens needs a non-empty array of texts')
      return m as unknown as InferenceResponse
    case 'end':
      if ((m.finishReason !== 'stop' && m.finishReason !== 'length') || !isCount(m.tokens, 2 ** 31)) throw bad('end needs finishReason and tokens')
      return m as unknown as InferenceResponse
    case 'error':
      if (!isString(m.code) || !isString(m.message)) throw bad('error needs code and message')
      return m as unknown as InferenceResponse
    default:
      throw bad(`unknown type ${JSON.stringify(m.type)}`)
  }
}

/**
 * Reassembles messages from the chunks a circuit stream delivers (cells cut
 * them anywhere). The length is checked before a message is buffered.
 */
export class InferenceMessageReader {
  private buffer = new Uint8Array(0)

  /** Add a chunk; returns every message it completed. */
  push(chunk: Uint8Array): InferenceMessage[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length)
    joined.set(this.buffer)
    joined.set(chunk, this.buffer.length)
    const out: InferenceMessage[] = []
    let at = 0
    while (joined.length - at >= 4) {
      const length = new DataView(joined.buffer, joined.byteOffset + at).getUint32(0)
      if (length > MAX_INFERENCE_MESSAGE_BYTES) {
        throw new InferenceProtocolError('message-too-large', `message of ${length} bytes exceeds ${MAX_INFERENCE_MESSAGE_BYTES}`)
      }
      if (joined.length - at - 4 < length) break
      const text = joined.subarray(at + 4, at + 4 + length)
      let parsed: unknown
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text))
      } catch (e) {
        throw new InferenceProtocolError('bad-json', `inference message is not UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`)
      }
      out.push(checkInferenceMessage(parsed))
      at += 4 + length
    }
    this.buffer = joined.slice(at)
    return out
  }

  /** Call when the stream ended: a partial message left over is an error. */
  finish(): void {
    if (this.buffer.length > 0) throw new InferenceProtocolError('truncated-message', `stream ended inside a message (${this.buffer.length} bytes left)`)
  }
}
