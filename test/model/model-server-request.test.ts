import { describe, expect, it } from 'vitest'
import { parseChatRequest } from '../../relay-server/model-server/chat-request.js'
import { createModelServerConfig, ModelServerConfigError, parseModelServerArgs } from '../../relay-server/model-server/config.js'

describe('model server settings', () => {
  it('parse flags over the defaults', () => {
    expect(parseModelServerArgs(['--port', '0', '--model=terrain-micro'])).toEqual({
      help: false,
      config: { host: '127.0.0.1', port: 0, model: 'terrain-micro', maxTokens: 256 },
    })
    expect(parseModelServerArgs(['--help'])).toEqual({ help: true })
  })

  it('refuse unknown flags, missing values and bad settings with typed errors', () => {
    const code = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        expect(e).toBeInstanceOf(ModelServerConfigError)
        return (e as ModelServerConfigError).code
      }
      return 'no error'
    }
    expect(code(() => parseModelServerArgs(['--gpu']))).toBe('unknown-option')
    expect(code(() => parseModelServerArgs(['--port']))).toBe('missing-value')
    expect(code(() => parseModelServerArgs(['--port', 'eighty']))).toBe('invalid-setting')
    expect(code(() => createModelServerConfig({ port: 70_000 }))).toBe('invalid-setting')
    expect(code(() => createModelServerConfig({ host: 'localhost' }))).toBe('invalid-setting')
    expect(code(() => createModelServerConfig({ model: '../etc' }))).toBe('invalid-setting')
  })
})

describe('chat completion requests', () => {
  const body = (extra: object = {}) => ({ model: 'terrain-tiny', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'copy: abc' }], ...extra })

  it('take the last user message as the prompt, closing it with the template\u2019s answer marker', () => {
    expect(parseChatRequest(body({ temperature: 0, max_tokens: 9, stop: 'x', seed: 4, stream: true }), 'terrain-tiny', 256)).toEqual({
      prompt: 'copy: abc\n=',
      stream: true,
      maxTokens: 9,
      temperature: 0,
      topK: undefined,
      seed: 4,
      stop: ['x'],
    })
    expect(parseChatRequest(body({ messages: [{ role: 'user', content: 'sort: 3 1\n=' }] }), 'terrain-tiny', 256)).toMatchObject({ prompt: 'sort: 3 1\n=', temperature: 1, maxTokens: 256 })
  })

  it('refuse what the server cannot serve, naming the parameter', () => {
    const refusal = (b: unknown) => {
      try {
        parseChatRequest(b, 'terrain-tiny', 256)
      } catch (e) {
        const error = e as { code: string; param: string; status: number }
        return `${error.status} ${error.code} ${error.param}`
      }
      return 'accepted'
    }
    expect(refusal(body({ model: 'other' }))).toBe('404 model-not-found model')
    expect(refusal([])).toBe('400 invalid-request ')
    expect(refusal(body({ messages: [] }))).toBe('400 invalid-request messages')
    expect(refusal(body({ messages: [{ role: 'system', content: 'x' }] }))).toBe('400 invalid-request messages')
    expect(refusal(body({ messages: [{ role: 'user', content: 5 }] }))).toBe('400 invalid-request messages')
    expect(refusal(body({ max_tokens: 257 }))).toBe('400 invalid-request max_tokens')
    expect(refusal(body({ temperature: 2.5 }))).toBe('400 invalid-request temperature')
    expect(refusal(body({ stop: ['a', 'b', 'c', 'd', 'e'] }))).toBe('400 invalid-request stop')
    expect(refusal(body({ n: 2 }))).toBe('400 invalid-request n')
    expect(refusal(body({ stream: 'yes' }))).toBe('400 invalid-request stream')
  })
})
