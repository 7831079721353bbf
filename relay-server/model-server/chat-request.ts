/**
 * An OpenAI chat-completion request body, checked and turned into a generation
 * for a built-in model. The prompt is core's `builtInPrompt`: the last user
 * message, closed with the task template's `\n=`.
 */
import { builtInPrompt, TerrainError, type ChatMessage } from '../../core/index.js'

export interface ChatGeneration {
  prompt: string
  stream: boolean
  maxTokens: number
  temperature: number
  topK: number | undefined
  seed: number
  stop: string[]
}

export type ChatRequestErrorCode = 'invalid-request' | 'model-not-found'

/** A request the server refuses; `param` names the field at fault, as OpenAI's errors do. */
export class ChatRequestError extends TerrainError {
  declare readonly code: ChatRequestErrorCode
  constructor(
    code: ChatRequestErrorCode,
    readonly param: string,
    message: string,
  ) {
    super(code, message)
  }

  get status(): number {
    return this.code === 'model-not-found' ? 404 : 400
  }
}

const invalid = (param: string, message: string) => new ChatRequestError('invalid-request', param, message)

function optionalInteger(body: Record<string, unknown>, param: string, min: number, max: number): number | undefined {
  const v = body[param]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(param, `${param} must be an integer in [${min}, ${max}]`)
  return v
}

/** Throws `ChatRequestError` for a body this server cannot serve for model `modelId`. */
export function parseChatRequest(body: unknown, modelId: string, maxTokensCeiling: number): ChatGeneration {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('', 'the body must be a JSON object')
  const b = body as Record<string, unknown>
  if (b.model !== modelId) throw new ChatRequestError('model-not-found', 'model', `The model ${JSON.stringify(b.model)} does not exist; this server serves ${modelId}`)
  const messages = b.messages
  if (!Array.isArray(messages) || messages.length === 0) throw invalid('messages', 'messages must be a non-empty array')
  for (const m of messages as { role?: unknown; content?: unknown }[]) {
    if (typeof m !== 'object' || m === null || !['system', 'user', 'assistant', 'developer'].includes(m.role as string) || typeof m.content !== 'string') {
      throw invalid('messages', 'each message needs a role (system, developer, user, assistant) and string content')
    }
  }
  if (!messages.some((m: { role: string }) => m.role === 'user')) throw invalid('messages', 'there is no user message')
  if ((optionalInteger(b, 'n', 1, 1) ?? 1) !== 1) throw invalid('n', 'only n = 1 is supported')
  const temperature = b.temperature ?? 1
  if (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 2)) throw invalid('temperature', 'temperature must be a number in [0, 2]')
  const stop = b.stop ?? []
  const stops = typeof stop === 'string' ? [stop] : stop
  if (!Array.isArray(stops) || stops.length > 4 || !stops.every((s) => typeof s === 'string' && s !== '')) throw invalid('stop', 'stop must be a string or up to 4 non-empty strings')
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') throw invalid('stream', 'stream must be a boolean')
  return {
    prompt: builtInPrompt(messages as ChatMessage[]),
    stream: b.stream === true,
    maxTokens: optionalInteger(b, 'max_completion_tokens', 1, maxTokensCeiling) ?? optionalInteger(b, 'max_tokens', 1, maxTokensCeiling) ?? maxTokensCeiling,
    temperature,
    topK: optionalInteger(b, 'top_k', 1, 1_000_000),
    seed: optionalInteger(b, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ?? Math.floor(Math.random() * 2 ** 32),
    stop: stops as string[],
  }
}
