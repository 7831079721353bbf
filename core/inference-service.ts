/**
 * Inference over a circuit stream, both ends: the provider's side answers
 * one request with a streamed response from its engine; the client's side
 * sends a request and yields tokens as they arrive. Transport-free: any
 * `CircuitStream` will do, so the simulator and tests use the same code as
 * pages, relays and the gateway.
 */
import { CoalescingWriter } from './circuit/coalescing-writer.js'
import type { Scheduler } from './circuit/scheduler.js'
import type { CircuitStream } from './circuit/stream.js'
import { TerrainError } from './errors.js'
import {
  encodeInferenceMessage,
  encodeInferenceResponses,
  InferenceMessageReader,
  InferenceProtocolError,
  type InferenceRequest,
} from './inference-messages.js'

/** The circuit service name a provider's exit answers. */
export const INFERENCE_SERVICE = 'inference/1'

/** A model behind a provider: the built-in runtime, or a forward to an OpenAI-compatible server. */
export interface InferenceEngine {
  /** The base model id it serves (the manifest's `base_model_id`). */
  readonly model: string
  /** e.g. `onnxruntime-web/wasm`, `openai-forward`. */
  readonly runtime: string
  /** Generates an answer, calling `onToken` for each piece of text; `cancelled()` turns true when the client went away. */
  generate(
    request: InferenceRequest,
    onToken: (text: string) => void,
    cancelled: () => boolean,
  ): Promise<{ finishReason: 'stop' | 'length'; tokens: number }>
}

export type InferenceErrorCode = 'provider-error' | 'provider-gone' | 'no-request' | 'protocol'

/** What a client sees when the provider reports an error or the answer breaks off. */
export class InferenceError extends TerrainError {
  declare readonly code: InferenceErrorCode | string
}

async function readRequest(stream: CircuitStream): Promise<InferenceRequest> {
  const reader = new InferenceMessageReader()
  for await (const chunk of stream) {
    const [first] = reader.push(chunk)
    if (first) {
      if (first.type !== 'request') throw new InferenceProtocolError('bad-message', `expected a request, got ${first.type}`)
      return first
    }
  }
  reader.finish()
  throw new InferenceError('no-request', 'the stream ended before a request arrived')
}

/**
 * Tokens written within this many ms of the last cell wait and share the
 * next one: at most about one cell a display frame (60 Hz) while a fast
 * model streams, none held back once it slows below that.
 */
export const defaultTokenCoalesceMs = 16

export interface ServeInferenceOptions {
  /** Times the coalescing of tokens into cells. */
  scheduler: Scheduler
  /** See `defaultTokenCoalesceMs`; 0 sends every token in a cell of its own. */
  coalesceMs?: number
  /** Told of every failure (also reported to the client as an `error` message). */
  onError?: (error: unknown) => void
}

/**
 * Serve one inference stream: read the request, stream the answer, end the
 * stream. Failures are reported to the client as an `error` message and to
 * `onError`; nothing throws out of here.
 */
export async function serveInference(stream: CircuitStream, engine: InferenceEngine, options: ServeInferenceOptions): Promise<void> {
  const writer = new CoalescingWriter(stream, options.scheduler, options.coalesceMs ?? defaultTokenCoalesceMs, encodeInferenceResponses)
  // Any failed write means the circuit is gone: generation stops at the next `cancelled()`.
  const attempt = (write: () => void) => {
    try {
      write()
    } catch {
      // `writer.failed` says so.
    }
  }
  try {
    const request = await readRequest(stream)
    // The start rides with the first token (or the end), so it costs no cell and delays nothing.
    writer.hold({ type: 'start', model: engine.model, runtime: engine.runtime })
    const end = await engine.generate(request, (text) => attempt(() => writer.write({ type: 'tokens', texts: [text] })), () => writer.failed)
    attempt(() => writer.writeNow({ type: 'end', ...end }))
    stream.end()
  } catch (e) {
    options.onError?.(e)
    const code = e instanceof TerrainError ? e.code : 'provider-error'
    attempt(() => writer.writeNow({ type: 'error', code, message: e instanceof Error ? e.message : String(e) }))
    stream.end()
  }
}

export interface InferenceAnswerStart {
  model: string
  runtime: string
}

/**
 * Send `request` on `stream` and yield the answer's tokens as they come.
 * Returns the end message's figures; throws `InferenceError` when the
 * provider reports an error or the stream ends before the answer did.
 */
export async function* requestInference(
  stream: CircuitStream,
  request: Omit<InferenceRequest, 'type'>,
  onStart: (start: InferenceAnswerStart) => void = () => {},
): AsyncGenerator<string, { finishReason: 'stop' | 'length'; tokens: number }> {
  stream.write(encodeInferenceMessage({ type: 'request', ...request }))
  stream.end()
  const reader = new InferenceMessageReader()
  for await (const chunk of stream) {
    for (const message of reader.push(chunk)) {
      switch (message.type) {
        case 'start':
          onStart({ model: message.model, runtime: message.runtime })
          break
        case 'tokens':
          yield* message.texts
          break
        case 'end':
          return { finishReason: message.finishReason, tokens: message.tokens }
        case 'error':
          throw new InferenceError(message.code, `provider: ${message.message}`)
        case 'request':
          throw new InferenceProtocolError('bad-message', 'a provider sent a request')
      }
    }
  }
  throw new InferenceError('provider-gone', 'the answer broke off before it ended')
}
