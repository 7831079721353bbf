/** The layer above circuits: inference messages, the provider directory, hop selection and epochs. */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createEvent,
  createSigner,
  encodeInferenceMessage,
  encodeInferenceResponses,
  type InferenceMessage,
  type InferenceResponse,
  encodeEvent,
  epochAt,
  isDescriptorEvent,
  InferenceMessageReader,
  InferenceProtocolError,
  MAX_INFERENCE_MESSAGE_BYTES,
  msUntilNextEpoch,
  PathSelectionError,
  ProviderDirectory,
  selectPath,
  signDescriptor,
  defaultRuleBundle,
  type HopCandidate,
} from '../../core/index.js'
import { fixture, manifest, oneOfEachInferenceMessage, seed, type Fixture } from './fixtures.js'
import { prng } from './helpers-random.js'

let f: Fixture
beforeAll(async () => {
  f = await fixture()
})

describe('inference messages', () => {
  const messages = oneOfEachInferenceMessage

  it('round-trip through a reader fed in chunks cut anywhere', () => {
    const bytes = new Uint8Array(messages.flatMap((m) => [...encodeInferenceMessage(m)]))
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length }), { maxLength: 12 }), (cuts) => {
        const reader = new InferenceMessageReader()
        const points = [...new Set([0, ...cuts, bytes.length])].sort((a, b) => a - b)
        const out: InferenceMessage[] = []
        for (let i = 1; i < points.length; i++) out.push(...reader.push(bytes.subarray(points[i - 1], points[i])))
        reader.finish()
        expect(out).toEqual(messages)
      }),
    )
  })

  const readAll = (bytes: Uint8Array) => {
    const reader = new InferenceMessageReader()
    const out = reader.push(bytes)
    reader.finish()
    return out
  }

  it('leave together with each run of tokens merged into one message', () => {
    const start: InferenceResponse = { type: 'start', model: 'm', runtime: 'r' }
    const end: InferenceResponse = { type: 'end', finishReason: 'stop', tokens: 3 }
    const packed = encodeInferenceResponses([start, { type: 'tokens', texts: ['a'] }, { type: 'tokens', texts: ['b', 'c'] }, end])
    expect(readAll(packed)).toEqual([start, { type: 'tokens', texts: ['a', 'b', 'c'] }, end])
    // 33 one-byte tokens and the end in fewer bytes than one message a token took.
    const burst = encodeInferenceResponses([...Array.from({ length: 33 }, () => ({ type: 'tokens' as const, texts: ['x'] })), end])
    expect(burst.length).toBeLessThan(33 * encodeInferenceMessage({ type: 'tokens', texts: ['x'] }).length / 3)
  })

  it('split a long run of tokens into messages inside the size limit', () => {
    const piece = 'é'.repeat(1000)
    const responses: InferenceResponse[] = Array.from({ length: 100 }, () => ({ type: 'tokens', texts: [piece] }))
    const out = readAll(encodeInferenceResponses(responses))
    expect(out.length).toBeGreaterThan(1)
    expect(out.flatMap((m) => (m.type === 'tokens' ? m.texts : []))).toEqual(Array(100).fill(piece))
  })

  it('property: packing keeps every response and token text, in order', () => {
    const response = fc.oneof(
      fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 4 }).map((texts): InferenceResponse => ({ type: 'tokens', texts })),
      fc.constant<InferenceResponse>({ type: 'start', model: 'm', runtime: 'r' }),
      fc.constant<InferenceResponse>({ type: 'end', finishReason: 'length', tokens: 9 }),
    )
    fc.assert(
      fc.property(fc.array(response, { minLength: 1, maxLength: 30 }), (responses) => {
        const out = readAll(encodeInferenceResponses(responses))
        // The same sequence once consecutive token runs are joined.
        const joined: InferenceResponse[] = []
        for (const r of responses) {
          const last = joined.at(-1)
          if (r.type === 'tokens' && last?.type === 'tokens') joined[joined.length - 1] = { type: 'tokens', texts: [...last.texts, ...r.texts] }
          else joined.push(r)
        }
        expect(out).toEqual(joined)
      }),
    )
  })

  it('refuse oversized, non-JSON, ill-shaped and truncated messages with typed errors', () => {
    const oversized = new Uint8Array(4)
    new DataView(oversized.buffer).setUint32(0, MAX_INFERENCE_MESSAGE_BYTES + 1)
    expect(() => new InferenceMessageReader().push(oversized)).toThrow(expect.objectContaining({ code: 'message-too-large' }))
    const framed = (text: string) => {
      const body = new TextEncoder().encode(text)
      const out = new Uint8Array(4 + body.length)
      new DataView(out.buffer).setUint32(0, body.length)
      out.set(body, 4)
      return out
    }
    expect(() => new InferenceMessageReader().push(framed('{nope'))).toThrow(expect.objectContaining({ code: 'bad-json' }))
    for (const tokens of ['{"type":"tokens"}', '{"type":"tokens","texts":[]}', '{"type":"tokens","texts":["a",7]}', '{"type":"token","text":"a"}']) {
      expect(() => new InferenceMessageReader().push(framed(tokens))).toThrow(expect.objectContaining({ code: 'bad-message' }))
    }
    expect(() => new InferenceMessageReader().push(framed('{"type":"request","messages":[],"maxTokens":1,"temperature":0}'))).toThrow(
      expect.objectContaining({ code: 'bad-message' }),
    )
    expect(() => encodeInferenceMessage({ type: 'tokens', texts: ['x'.repeat(MAX_INFERENCE_MESSAGE_BYTES)] })).toThrow(InferenceProtocolError)
    const reader = new InferenceMessageReader()
    reader.push(encodeInferenceMessage(messages[2]!).subarray(0, 7))
    expect(() => reader.finish()).toThrow(expect.objectContaining({ code: 'truncated-message' }))
  })

  it('never fail on random bytes except with a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          new InferenceMessageReader().push(bytes)
        } catch (e) {
          expect(e).toBeInstanceOf(InferenceProtocolError)
        }
      }),
    )
  })
})

describe('provider directory', () => {
  async function descriptorEvent(providerSeed: number, epoch: bigint) {
    const signer = await createSigner(seed(providerSeed))
    const descriptor = await signDescriptor(
      { world: f.world.id, descriptorEpoch: epoch, contactPoints: [`/p2p/provider-${providerSeed}`], capability: { type: 'manifest', manifest } },
      signer,
    )
    return createEvent({ type: 'descriptorPublish', descriptorPublish: { world: f.world.id, epochId: epoch, descriptor } })
  }

  it('keeps the newest descriptor per provider and drops those older than the previous epoch', async () => {
    const dir = new ProviderDirectory(f.world.id)
    expect(dir.add(await descriptorEvent(1, 5n))).toBe(true)
    expect(dir.add(await descriptorEvent(1, 4n))).toBe(false)
    expect(dir.add(await descriptorEvent(1, 6n))).toBe(true)
    expect(dir.add(await descriptorEvent(2, 4n))).toBe(true)
    expect(dir.add(f.events.attestation)).toBe(false)
    expect(dir.size).toBe(2)
    expect(dir.current(6n).map((r) => r.descriptor.unsigned.descriptorEpoch)).toEqual([6n])
    expect(dir.current(5n).map((r) => r.descriptor.unsigned.descriptorEpoch)).toEqual([6n, 4n])
    expect(dir.current(6n)[0]!.manifest?.baseModelId).toBe(manifest.baseModelId)
  })

  it('spots descriptor events from their header bytes alone', () => {
    for (const [type, event] of Object.entries(f.events)) expect(isDescriptorEvent(encodeEvent(event))).toBe(type === 'descriptorPublish')
    expect(isDescriptorEvent(new Uint8Array(10))).toBe(false)
  })
})

describe('hop selection', () => {
  const hop = (peerId: string, relayGroup: string): HopCandidate => ({ peerId, relayGroup })
  const exit = hop('provider', 'relay-a')

  it('picks distinct hops, never the client or the exit, with the exit last', () => {
    fc.assert(
      fc.property(fc.integer(), (s) => {
        const candidates = [hop('client', 'relay-a'), hop('provider', 'relay-a'), hop('relay-a', 'relay-a'), hop('relay-b', 'relay-b'), hop('p1', 'relay-a'), hop('p1', 'relay-a')]
        const path = selectPath({ client: 'client', exit, length: 3, candidates, random: prng(s) })
        expect(path).toHaveLength(3)
        expect(path[2]).toBe(exit)
        expect(new Set(path.map((h) => h.peerId)).size).toBe(3)
        expect(path.some((h) => h.peerId === 'client')).toBe(false)
        expect(new Set(path.map((h) => h.relayGroup)).size).toBeGreaterThanOrEqual(2)
      }),
    )
  })

  it('says clearly when there are too few hops or only one relay group, instead of a shorter circuit', () => {
    const random = prng(1)
    expect(() => selectPath({ client: 'c', exit, length: 3, candidates: [hop('x', 'relay-b')], random })).toThrow(
      expect.objectContaining({ code: 'too-few-hops', message: expect.stringContaining('only 1 is reachable') }),
    )
    expect(() => selectPath({ client: 'c', exit, length: 3, candidates: [hop('x', 'relay-a'), hop('y', 'relay-a')], random })).toThrow(PathSelectionError)
    expect(() => selectPath({ client: 'c', exit, length: 0, candidates: [], random })).toThrow(expect.objectContaining({ code: 'bad-path-length' }))
  })

  it('keeps pinned hops in their order, under the same rules', () => {
    const candidates = [hop('b', 'relay-b'), hop('a', 'relay-a')]
    expect(selectPath({ client: 'c', exit, length: 3, candidates, random: prng(3), keepOrder: true }).map((h) => h.peerId)).toEqual(['b', 'a', 'provider'])
    expect(() => selectPath({ client: 'c', exit, length: 3, candidates: [hop('x', 'relay-a'), hop('y', 'relay-a')], random: prng(3), keepOrder: true })).toThrow(
      expect.objectContaining({ code: 'one-relay-group' }),
    )
  })

  it('finds the one hop of another group even when random draws keep missing it', () => {
    const candidates = [...Array.from({ length: 30 }, (_, i) => hop(`a${i}`, 'relay-a')), hop('b', 'relay-b')]
    const path = selectPath({ client: 'c', exit, length: 3, candidates, random: () => 0.999 })
    expect(path.map((h) => h.peerId)).toContain('b')
  })
})

describe('epochs', () => {
  it('divide wall-clock time by the epoch length', () => {
    expect(epochAt(defaultRuleBundle, 0)).toBe(0n)
    expect(epochAt(defaultRuleBundle, 600_000 * 7 + 5)).toBe(7n)
    expect(msUntilNextEpoch(defaultRuleBundle, 600_000 * 7 + 5)).toBe(599_995)
  })
})
