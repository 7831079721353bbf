/**
 * Forwarding to an OpenAI-compatible server: `POST {base}/v1/chat/completions`
 * with `stream: true`, the answer streamed back delta by delta. Works in
 * browsers and Node (global fetch). Failures are `ForwardError`s.
 */
import { TerrainError } from '../../core/errors.js'
import { sseData } from './sse.js'

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface ChatCompletionRequest {
  model: string
  messages: ChatMessage[]
  max_tokens?: number
  temperature?: number
  /** Not in OpenAI's API; servers such as vLLM, llama.cpp and Terrain's model server accept it. */
  top_k?: number
  seed?: number
  stop?: string | string[]
}

export interface ForwardOptions {
  /** The server's base address, without `/v1`; e.g. `http://127.0.0.1:8000`. */
  baseUrl: string
  apiKey?: string
  signal?: AbortSignal
  /** Each piece of answer text as it arrives. */
  onDelta?: (text: string) => void
}

export interface ForwardResult {
  id: string
  model: string
  text: string
  /** The server's finish reason ('stop', 'length', …); null if it sent none. */
  finishReason: string | null
}

export type ForwardErrorCode =
  /** The server answered with a non-2xx status; `status` and the body's message say more. */
  | 'http-error'
  /** A response or stream event was not the JSON of a chat completion chunk. */
  | 'bad-json'
  /** The caller's signal aborted the request. */
  | 'aborted'
  /** The stream ended (or broke) before `data: [DONE]`. */
  | 'stream-truncated'
  /** The server could not be reached. */
  | 'network-error'

export class ForwardError extends TerrainError {
  declare readonly code: ForwardErrorCode
  constructor(
    code: ForwardErrorCode,
    message: string,
    /** HTTP status for 'http-error'. */
    readonly status?: number,
  ) {
    super(code, message)
  }
}

interface ChunkChoice {
  delta?: { content?: string | null }
  finish_reason?: string | null
}

function parseChunk(data: string): { id: string; model: string; choice: ChunkChoice | undefined } {
  let chunk: { id?: unknown; model?: unknown; choices?: unknown }
  try {
    chunk = JSON.parse(data) as typeof chunk
  } catch {
    throw new ForwardError('bad-json', `a stream event is not JSON: ${data.slice(0, 200)}`)
  }
  if (typeof chunk !== 'object' || chunk === null || !Array.isArray(chunk.choices)) {
    throw new ForwardError('bad-json', `a stream event is not a chat completion chunk: ${data.slice(0, 200)}`)
  }
  const choice = chunk.choices[0] as ChunkChoice | undefined
  if (choice !== undefined && (typeof choice !== 'object' || choice === null)) throw new ForwardError('bad-json', `a chunk's choice is not an object: ${data.slice(0, 200)}`)
  const content = choice?.delta?.content
  if (content !== undefined && content !== null && typeof content !== 'string') throw new ForwardError('bad-json', `a chunk's delta content is not a string: ${data.slice(0, 200)}`)
  return { id: typeof chunk.id === 'string' ? chunk.id : '', model: typeof chunk.model === 'string' ? chunk.model : '', choice }
}

async function httpError(response: Response): Promise<ForwardError> {
  const body = await response.text().catch(() => '')
  let detail = body.slice(0, 500)
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message
    if (typeof message === 'string') detail = message
  } catch {
    // not JSON: keep the text
  }
  return new ForwardError('http-error', `HTTP ${response.status} from the server: ${detail}`, response.status)
}

/** Streams one chat completion; resolves with the whole answer once the server sends `[DONE]`. */
export async function forwardChatCompletion(request: ChatCompletionRequest, options: ForwardOptions): Promise<ForwardResult> {
  const aborted = () => new ForwardError('aborted', `the request was aborted: ${String(options.signal?.reason)}`)
  let response: Response
  try {
    response = await fetch(`${options.baseUrl.replace(/\/+$/, '')}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'text/event-stream',
        ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify({ ...request, stream: true }),
      ...(options.signal ? { signal: options.signal } : {}),
    })
  } catch (e) {
    if (options.signal?.aborted) throw aborted()
    throw new ForwardError('network-error', `could not reach ${options.baseUrl}: ${(e as Error).message}`)
  }
  if (!response.ok) throw await httpError(response)
  if (!response.body) throw new ForwardError('stream-truncated', 'the response has no body')

  const result: ForwardResult = { id: '', model: request.model, text: '', finishReason: null }
  try {
    for await (const data of sseData(response.body)) {
      // Events already buffered may still arrive after an abort; none is delivered once it fired.
      if (options.signal?.aborted) throw aborted()
      if (data === '[DONE]') return result
      const { id, model, choice } = parseChunk(data)
      result.id ||= id
      if (model) result.model = model
      const text = choice?.delta?.content
      if (text) {
        result.text += text
        options.onDelta?.(text)
      }
      if (choice?.finish_reason) result.finishReason = choice.finish_reason
    }
  } catch (e) {
    if (options.signal?.aborted) throw aborted()
    if (e instanceof ForwardError) throw e
    throw new ForwardError('stream-truncated', `the stream broke: ${(e as Error).message}`)
  }
  if (options.signal?.aborted) throw aborted()
  throw new ForwardError('stream-truncated', 'the stream ended without data: [DONE]')
}
