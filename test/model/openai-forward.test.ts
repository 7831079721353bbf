import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configureOrtForNode, loadBuiltInModelFromDisk } from '../../workers/model/node.js'
import { ForwardError, forwardChatCompletion, type ChatCompletionRequest } from '../../workers/model/openai-forward.js'
import { startModelServer, type ModelServerProcess } from './support/model-server-process.js'

let server: ModelServerProcess

beforeAll(async () => {
  server = await startModelServer('terrain-tiny')
})
afterAll(() => server.stop())

const ask = (content: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'terrain-tiny',
  messages: [{ role: 'user', content }],
  temperature: 0,
  max_tokens: 40,
  ...extra,
})

async function forwardError(promise: Promise<unknown>): Promise<ForwardError> {
  try {
    await promise
  } catch (e) {
    expect(e).toBeInstanceOf(ForwardError)
    return e as ForwardError
  }
  throw new Error('expected a ForwardError')
}

describe('forwarding to the model server (a real process serving terrain-tiny)', () => {
  it('streams the same greedy answer the runtime gives in process', async () => {
    configureOrtForNode()
    const { model } = await loadBuiltInModelFromDisk('terrain-tiny')
    const local = await model.generate('reverse: k3x9ab\n=', { maxTokens: 40, temperature: 0, seed: 0 })
    await model.dispose()
    expect(server.blake3).toBe(model.weightsDigest)

    const deltas: string[] = []
    const result = await forwardChatCompletion(ask('reverse: k3x9ab'), { baseUrl: server.url, onDelta: (d) => deltas.push(d) })
    expect(result.text).toBe(local.text)
    expect(result.text).toBe('ba9x3k')
    expect(deltas.join('')).toBe(result.text)
    expect(deltas.length).toBeGreaterThan(1)
    expect(result).toMatchObject({ model: 'terrain-tiny', finishReason: 'stop' })
    expect(result.id).toMatch(/^chatcmpl-/)
  })

  it('reports finish reason length and honours stop sequences', async () => {
    expect(await forwardChatCompletion(ask('copy: abcdefgh', { max_tokens: 3 }), { baseUrl: server.url })).toMatchObject({ text: 'abc', finishReason: 'length' })
    expect(await forwardChatCompletion(ask('copy: abcdefgh', { stop: 'ef' }), { baseUrl: server.url })).toMatchObject({ text: 'abcd', finishReason: 'stop' })
  })

  it('serves the OpenAI client too: model list, non-streaming and streaming completions', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' })
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['terrain-tiny'])
    const completion = await client.chat.completions.create({ model: 'terrain-tiny', messages: [{ role: 'user', content: 'sort: 7 2 9 2' }], temperature: 0 })
    expect(completion.choices[0]!.message.content).toBe('2 2 7 9')
    expect(completion.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 8 })
    const stream = await client.chat.completions.create({ model: 'terrain-tiny', messages: [{ role: 'user', content: 'sort: 7 2 9 2' }], temperature: 0, stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('2 2 7 9')
  })

  it('turns HTTP errors into http-error with the status and the server\u2019s message', async () => {
    const unknown = await forwardError(forwardChatCompletion({ ...ask('copy: abc'), model: 'gpt-9' }, { baseUrl: server.url }))
    expect(unknown).toMatchObject({ code: 'http-error', status: 404 })
    expect(unknown.message).toMatch(/gpt-9/)
    const hot = await forwardError(forwardChatCompletion(ask('copy: abc', { temperature: 7 }), { baseUrl: server.url }))
    expect(hot).toMatchObject({ code: 'http-error', status: 400 })
    expect(hot.message).toMatch(/temperature/)
  })

  it('stops on abort with aborted, and the server stays up', async () => {
    const controller = new AbortController()
    const aborted = forwardChatCompletion(ask('copy: abcdefghijkl'), {
      baseUrl: server.url,
      signal: controller.signal,
      onDelta: () => controller.abort('enough'),
    })
    expect((await forwardError(aborted)).code).toBe('aborted')
    expect((await forwardChatCompletion(ask('copy: xyz'), { baseUrl: server.url })).text).toBe('xyz')
  })

  it('reports an unreachable server as network-error', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    expect((await forwardError(forwardChatCompletion(ask('copy: abc'), { baseUrl: `http://127.0.0.1:${port}` }))).code).toBe('network-error')
  })
})

describe('forwarding client against broken streams', () => {
  // The model server never sends these, so a small server here plays a broken upstream.
  let broken: Server
  let base: string
  const bodies: Record<string, string> = {
    '/not-json': 'data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {oops\n\n',
    '/not-a-chunk': 'data: {"object":"error"}\n\n',
    '/no-done': 'data: {"choices":[{"delta":{"content":"a"}}]}\n\n',
  }
  beforeAll(async () => {
    broken = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.end(bodies[req.url!.replace('/v1/chat/completions', '')])
    })
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise((resolve) => broken.close(resolve)))

  it('bad-json for events that are not chat completion chunks, stream-truncated without [DONE]', async () => {
    expect((await forwardError(forwardChatCompletion(ask('x'), { baseUrl: `${base}/not-json` }))).code).toBe('bad-json')
    expect((await forwardError(forwardChatCompletion(ask('x'), { baseUrl: `${base}/not-a-chunk` }))).code).toBe('bad-json')
    expect((await forwardError(forwardChatCompletion(ask('x'), { baseUrl: `${base}/no-done` }))).code).toBe('stream-truncated')
  })
})
