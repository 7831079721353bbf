/** Inference over a real 3-hop circuit in memory: a streamed answer, provider errors, and a provider that vanishes. */
import { describe, expect, it } from 'vitest'
import {
  INFERENCE_SERVICE,
  InferenceError,
  requestInference,
  serveInference,
  type InferenceEngine,
} from '../../core/index.js'
import { CircuitTestbed, settle } from './circuit-harness.js'

/** Reverses the prompt, one character a token. */
const reverser: InferenceEngine = {
  model: 'reverser',
  runtime: 'test',
  async generate(request, onToken) {
    const text = [...request.messages.at(-1)!.content].reverse().slice(0, request.maxTokens)
    for (const t of text) onToken(t)
    return { finishReason: text.length === request.maxTokens ? 'length' : 'stop', tokens: text.length }
  },
}

async function testbed(engine: InferenceEngine, coalesceMs?: number) {
  const bed = new CircuitTestbed()
  const served: unknown[] = []
  await bed.addHop('entry')
  await bed.addHop('middle')
  await bed.addHop('provider', { exit: (stream, service) => (expect(service).toBe(INFERENCE_SERVICE), void serveInference(stream, engine, { scheduler: bed.scheduler, coalesceMs, onError: (e) => served.push(e) })) })
  const client = await bed.client()
  const circuit = await client.build(await bed.clientMux('entry'), bed.path('entry', 'middle', 'provider'))
  return { bed, circuit, served }
}

async function collect(tokens: AsyncGenerator<string, unknown>): Promise<{ text: string; end: unknown }> {
  let text = ''
  for (;;) {
    const next = await tokens.next()
    if (next.done) return { text, end: next.value }
    text += next.value
  }
}

describe('inference over a circuit', () => {
  it('streams the provider’s answer back token by token, with its model and runtime', async () => {
    const { circuit } = await testbed(reverser)
    let start: unknown
    const answer = requestInference(circuit.openStream(INFERENCE_SERVICE), { messages: [{ role: 'user', content: 'hello' }], maxTokens: 10, temperature: 0 }, (s) => (start = s))
    const { text, end } = await collect(answer)
    expect(text).toBe('olleh')
    expect(end).toEqual({ finishReason: 'stop', tokens: 5 })
    expect(start).toEqual({ model: 'reverser', runtime: 'test' })
  })

  it('carries a provider’s failure to the client as a typed error', async () => {
    const failing: InferenceEngine = { ...reverser, generate: () => Promise.reject(new Error('model file is corrupt')) }
    const { circuit, served } = await testbed(failing)
    const answer = requestInference(circuit.openStream(INFERENCE_SERVICE), { messages: [{ role: 'user', content: 'x' }], maxTokens: 4, temperature: 0 })
    await expect(collect(answer)).rejects.toMatchObject({ code: 'provider-error', message: expect.stringContaining('corrupt') })
    expect(served).toHaveLength(1)
  })

  it('fails the client’s answer when the provider vanishes mid-stream', async () => {
    let release: () => void = () => {}
    const stalling: InferenceEngine = {
      ...reverser,
      async generate(_request, onToken) {
        onToken('a')
        await new Promise<void>((resolve) => (release = resolve))
        return { finishReason: 'stop', tokens: 1 }
      },
    }
    const { bed, circuit } = await testbed(stalling)
    const answer = requestInference(circuit.openStream(INFERENCE_SERVICE), { messages: [{ role: 'user', content: 'x' }], maxTokens: 4, temperature: 0 })
    expect((await answer.next()).value).toBe('a')
    bed.links.get('middle->provider')!.sever()
    await settle()
    const error = await answer.next().then(() => undefined, (e: unknown) => e)
    expect(error).toBeDefined()
    expect((error as { code: string }).code).toMatch(/^circuit\/|provider-gone/)
    expect(error instanceof InferenceError || (error as { code: string }).code.startsWith('circuit/')).toBe(true)
    release()
  })

  it('packs tokens that come faster than the coalescing interval into shared cells, the first one at once', async () => {
    // One token every ms of virtual time, as a fast small model makes them.
    const fast = (bed: () => CircuitTestbed): InferenceEngine => ({
      ...reverser,
      async generate(_request, onToken) {
        for (let i = 0; i < 64; i++) {
          onToken(String.fromCharCode(97 + (i % 26)))
          await settle(2)
          bed().scheduler.advance(1)
        }
        return { finishReason: 'length', tokens: 64 }
      },
    })
    const runs: { cells: number; text: string; firstTokenAt: number }[] = []
    for (const coalesceMs of [0, 16]) {
      let bed: CircuitTestbed | undefined
      const made = await testbed(fast(() => bed!), coalesceMs)
      bed = made.bed
      const backward = () => bed!.cells.filter((c) => c.from === 'entry' && c.to === 'client').length
      const before = backward()
      const answer = requestInference(made.circuit.openStream(INFERENCE_SERVICE), { messages: [{ role: 'user', content: 'x' }], maxTokens: 64, temperature: 0 })
      const first = await answer.next()
      const firstTokenAt = bed.scheduler.now()
      const rest = await collect(answer)
      runs.push({ cells: backward() - before, text: first.value + rest.text, firstTokenAt })
    }
    const [single, coalesced] = runs
    expect(coalesced!.text).toBe(single!.text)
    expect(coalesced!.text).toHaveLength(64)
    expect(coalesced!.firstTokenAt).toBe(single!.firstTokenAt)
    // 64 tokens in 64 ms: about one cell each 16 ms instead of one a token.
    expect(single!.cells).toBeGreaterThanOrEqual(64)
    expect(coalesced!.cells).toBeLessThanOrEqual(8)
  })
})
