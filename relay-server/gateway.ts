/**
 * The OpenAI-compatible gateway: `GET /v1/models` and
 * `POST /v1/chat/completions` (streamed as server-sent events, or whole),
 * each request sent to a provider through an onion circuit. Existing
 * OpenAI clients point their base URL here and use the mesh privately.
 * Errors follow OpenAI's shape: `{ error: { message, type, code } }`.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { TerrainError, type ChatMessage } from '../core/index.js'
import type { PrivateChat } from './private-chat.js'

/** Largest request body read (a chat for the built-in models is tiny; forwards may be longer). */
const MAX_BODY_BYTES = 256 * 1024
const ROLES = new Set(['system', 'user', 'assistant'])

class BadRequest extends TerrainError {}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    // Mid-stream: report in the stream, as OpenAI-compatible servers do, then end it.
    res.end(`data: ${JSON.stringify({ error: { message, type: 'server_error', code } })}\n\ndata: [DONE]\n\n`)
    return
  }
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify({ error: { message, type: status < 500 ? 'invalid_request_error' : 'server_error', code } }))
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new BadRequest('body-too-large', `request body exceeds ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new BadRequest('bad-json', 'the request body is not JSON')
  }
}

interface CompletionRequest {
  model: string | undefined
  messages: ChatMessage[]
  maxTokens: number
  temperature: number
  stream: boolean
}

function parseCompletion(body: unknown): CompletionRequest {
  if (typeof body !== 'object' || body === null) throw new BadRequest('bad-request', 'the body must be a JSON object')
  const b = body as Record<string, unknown>
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw new BadRequest('bad-request', '`messages` must be a non-empty array')
  const messages = b.messages.map((m: unknown) => {
    const message = m as Record<string, unknown>
    if (typeof m !== 'object' || m === null || !ROLES.has(message.role as string) || typeof message.content !== 'string') {
      throw new BadRequest('bad-request', 'each message needs a role (system, user, assistant) and string content')
    }
    return { role: message.role as ChatMessage['role'], content: message.content as string }
  })
  const maxTokens = b.max_tokens ?? b.max_completion_tokens ?? 64
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1 || (maxTokens as number) > 4096) throw new BadRequest('bad-request', '`max_tokens` must be an integer in [1, 4096]')
  const temperature = b.temperature ?? 0
  if (typeof temperature !== 'number' || temperature < 0 || temperature > 2) throw new BadRequest('bad-request', '`temperature` must be in [0, 2]')
  // The mesh is the model: "terrain" (or none) takes any provider; another name asks for that base model.
  const model = typeof b.model === 'string' && b.model !== '' && b.model !== 'terrain' ? b.model : undefined
  return { model, messages, maxTokens: maxTokens as number, temperature, stream: b.stream === true }
}

function statusOf(e: unknown): number {
  const code = (e as { code?: string }).code ?? ''
  if (e instanceof BadRequest) return 400
  if (code === 'no-providers' || code === 'no-circuit') return 503
  return 502
}

async function completions(chat: PrivateChat, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = parseCompletion(await readJson(req))
  const id = `chatcmpl-${randomUUID()}`
  const created = Math.floor(Date.now() / 1000)
  const chunk = (model: string, delta: Record<string, string>, finishReason: string | null) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`
  let model = request.model ?? 'terrain'
  const opened = () => {
    if (res.headersSent) return
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' })
    res.write(chunk(model, { role: 'assistant', content: '' }, null))
  }
  const answer = await chat.ask(request.messages, {
    ...(request.model ? { model: request.model } : {}),
    maxTokens: request.maxTokens,
    temperature: request.temperature,
    onPath: (_path, provider) => (model = provider.model),
    onToken: (text) => {
      if (!request.stream) return
      opened()
      res.write(chunk(model, { content: text }, null))
    },
  })
  if (request.stream) {
    opened()
    res.end(`${chunk(model, {}, answer.finishReason)}data: [DONE]\n\n`)
    return
  }
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.end(
    JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model: answer.provider.model,
      choices: [{ index: 0, message: { role: 'assistant', content: answer.text }, finish_reason: answer.finishReason }],
      usage: { prompt_tokens: 0, completion_tokens: answer.tokens, total_tokens: answer.tokens },
    }),
  )
}

export function createGatewayServer(chat: PrivateChat): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname.replace(/\/$/, '')
    const handle = async () => {
      if (path === '/v1/models' && req.method === 'GET') {
        const models = await chat.models()
        res.writeHead(200, { 'Content-Type': 'application/json' })
        return void res.end(JSON.stringify({ object: 'list', data: ['terrain', ...models].map((m) => ({ id: m, object: 'model', created: 0, owned_by: 'terrain-mesh' })) }))
      }
      if (path === '/v1/chat/completions' && req.method === 'POST') return completions(chat, req, res)
      sendError(res, 404, 'not-found', `no route ${req.method} ${path}`)
    }
    handle().catch((e: unknown) => sendError(res, statusOf(e), (e as { code?: string }).code ?? 'internal', e instanceof Error ? e.message : String(e)))
  })
}
