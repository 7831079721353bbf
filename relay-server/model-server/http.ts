/**
 * The model server's HTTP API, shaped like OpenAI's: `GET /v1/models`,
 * `GET /v1/models/{id}`, and `POST /v1/chat/completions`, streamed as
 * server-sent events when `stream` is true. CORS is open, so a provider's
 * page on any origin can forward to it.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { LoadedModel } from '../../workers/model/runtime.js'
import { ChatRequestError, parseChatRequest, type ChatGeneration } from './chat-request.js'

const MAX_BODY_BYTES = 1 << 20

export interface ServedModel {
  id: string
  model: LoadedModel
  /** Unix seconds, as OpenAI lists models. */
  created: number
  /** Ceiling on a request's max_tokens. */
  maxTokens: number
}

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization',
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(value))
}

function sendError(res: ServerResponse, status: number, message: string, type: string, param: string | null = null, code: string | null = null): void {
  sendJson(res, status, { error: { message, type, param, code } })
}

class BodyTooLarge extends Error {}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge()
    chunks.push(chunk)
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

const openAiFinish = (reason: 'eos' | 'stop' | 'length') => (reason === 'length' ? 'length' : 'stop')

function modelObject(served: ServedModel) {
  return { id: served.id, object: 'model', created: served.created, owned_by: 'terrain' }
}

async function chatCompletion(served: ServedModel, g: ChatGeneration, res: ServerResponse): Promise<void> {
  const id = `chatcmpl-${randomUUID()}`
  const created = Math.floor(Date.now() / 1000)
  // A client that hangs up stops its generation.
  const controller = new AbortController()
  res.on('close', () => controller.abort('the client closed the connection'))
  const options = { maxTokens: g.maxTokens, temperature: g.temperature, seed: g.seed, stop: g.stop, signal: controller.signal, ...(g.topK === undefined ? {} : { topK: g.topK }) }
  if (!g.stream) {
    const result = await served.model.generate(g.prompt, options)
    const completionTokens = result.tokens.length
    return sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model: served.id,
      choices: [{ index: 0, message: { role: 'assistant', content: result.text }, finish_reason: openAiFinish(result.finishReason) }],
      usage: { prompt_tokens: result.promptTokens, completion_tokens: completionTokens, total_tokens: result.promptTokens + completionTokens },
    })
  }
  const chunk = (delta: object, finishReason: string | null) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: served.id, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' })
  res.write(chunk({ role: 'assistant', content: '' }, null))
  const result = await served.model.generate(g.prompt, { ...options, onToken: ({ text }) => void (text && res.write(chunk({ content: text }, null))) })
  res.write(chunk({}, openAiFinish(result.finishReason)))
  res.end('data: [DONE]\n\n')
}

async function route(served: ServedModel, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://model-server').pathname.replace(/\/+$/, '')
  if (req.method === 'OPTIONS') {
    res.writeHead(204)
    return void res.end()
  }
  if (path === '/v1/models' && req.method === 'GET') return sendJson(res, 200, { object: 'list', data: [modelObject(served)] })
  if (path.startsWith('/v1/models/') && req.method === 'GET') {
    const id = decodeURIComponent(path.slice('/v1/models/'.length))
    if (id === served.id) return sendJson(res, 200, modelObject(served))
    return sendError(res, 404, `The model ${JSON.stringify(id)} does not exist`, 'invalid_request_error', 'model', 'model_not_found')
  }
  if (path === '/v1/chat/completions') {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST, OPTIONS')
      return sendError(res, 405, 'use POST', 'invalid_request_error')
    }
    let body: unknown
    try {
      body = await readJson(req)
    } catch (e) {
      if (e instanceof BodyTooLarge) return sendError(res, 413, `the body exceeds ${MAX_BODY_BYTES} bytes`, 'invalid_request_error')
      return sendError(res, 400, 'the body is not valid JSON', 'invalid_request_error')
    }
    let generation: ChatGeneration
    try {
      generation = parseChatRequest(body, served.id, served.maxTokens)
    } catch (e) {
      if (!(e instanceof ChatRequestError)) throw e
      return sendError(res, e.status, e.message, 'invalid_request_error', e.param, e.code === 'model-not-found' ? 'model_not_found' : null)
    }
    return chatCompletion(served, generation, res)
  }
  return sendError(res, 404, `no route ${req.method} ${path}`, 'invalid_request_error')
}

export function createModelHttpServer(served: ServedModel): Server {
  return createServer((req, res) => {
    for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value)
    route(served, req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy() // a broken stream tells the client more than a late error event
      const code = (e as { code?: unknown }).code
      if (code === 'context-overflow' || code === 'invalid-generate-options') return sendError(res, 400, (e as Error).message, 'invalid_request_error', 'messages', String(code))
      sendError(res, 500, `internal error: ${(e as Error).message}`, 'server_error')
    })
  })
}
