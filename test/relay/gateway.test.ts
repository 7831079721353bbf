/**
 * The whole Node path with real processes: two relays, a provider running
 * the built-in model, and the OpenAI-compatible gateway, driven by the
 * official `openai` client. Every answer travels a 3-hop onion circuit and
 * must be the model's own greedy output.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configureOrtForNode, loadBuiltInModelFromDisk } from '../../workers/model/node.js'
import { builtInPrompt } from '../../core/index.js'
import { cleanupRelays, startRelay, until, type RelayProcess } from './support/relay-process.js'

const MODEL = 'terrain-tiny'
const PROMPT = 'reverse: lantern'
let gateway: RelayProcess
let provider: RelayProcess
let client: OpenAI
let expected: string

beforeAll(async () => {
  configureOrtForNode()
  const { model } = await loadBuiltInModelFromDisk(MODEL, { backend: 'wasm' })
  expected = (await model.generate(builtInPrompt([{ role: 'user', content: PROMPT }]), { maxTokens: 24, temperature: 0, seed: 0 })).text
  await model.dispose()

  const a = await startRelay()
  const b = await startRelay({ bootstrap: [a.multiaddr] })
  provider = await startRelay({ bootstrap: [a.multiaddr, b.multiaddr], extraArgs: ['--provide', MODEL] })
  gateway = await startRelay({ bootstrap: [a.multiaddr, b.multiaddr], extraArgs: ['--gateway', '--gateway-port', '0'] })
  client = new OpenAI({ baseURL: gateway.gatewayUrl!, apiKey: 'not-needed', maxRetries: 0 })
  // The provider's descriptor reaches the gateway by gossip or sync.
  await until('the gateway to see the provider', async () => ((await client.models.list()).data.some((m) => m.id === MODEL) ? true : undefined), 60_000)
}, 180_000)

afterAll(cleanupRelays)

describe('OpenAI-compatible gateway through onion circuits', () => {
  it('streams the built-in model’s greedy answer through a 3-hop circuit', async () => {
    const stream = await client.chat.completions.create({ model: 'terrain', messages: [{ role: 'user', content: PROMPT }], max_tokens: 24, temperature: 0, stream: true })
    let text = ''
    let finish: string | null = null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(expected.length).toBeGreaterThan(0)
    expect(text).toBe(expected)
    expect(finish).toMatch(/stop|length/)
    // The provider answered it as the exit of a circuit.
    expect(await provider.metrics()).toMatch(/terrain_inference_requests_total\{outcome="answered"\} [1-9]/)
  })

  it('answers whole (non-streamed) requests naming the model', async () => {
    const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: PROMPT }], max_tokens: 24, temperature: 0 })
    expect(completion.choices[0]!.message.content).toBe(expected)
    expect(completion.model).toBe(MODEL)
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0)
  })

  it('gives OpenAI-shaped errors: bad requests 400, an unserved model 503', async () => {
    await expect(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 503 })
    await expect(client.chat.completions.create({ model: 'terrain', messages: [] })).rejects.toMatchObject({ status: 400 })
    const raw = await fetch(`${gateway.gatewayUrl}/chat/completions`, { method: 'POST', body: '{nope' })
    expect(raw.status).toBe(400)
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe('bad-json')
  })
})
