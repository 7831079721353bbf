import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blake3, BYTE_VOCAB_SIZE, EOS_TOKEN, toHex } from '../../core/index.js'
import { loadBuiltInModel } from '../../workers/model/built-in.js'
import { ModelError } from '../../workers/model/errors.js'
import { configureOrtForNode, loadBuiltInModelFromDisk, MODELS_DIR, readModelManifest } from '../../workers/model/node.js'
import { argmax } from '../../workers/model/sampling.js'
import { classifyLoadError, loadModel, type LoadedModel } from '../../workers/model/runtime.js'
import { identityOnnx } from './support/onnx-bytes.js'
import { logitsDigest, PINNED_LOGITS } from './support/pinned-logits.js'

configureOrtForNode()

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError)
    return (e as ModelError).code
  }
  return 'no error'
}

let tiny: LoadedModel
let tinyBytes: Uint8Array

beforeAll(async () => {
  tiny = (await loadBuiltInModelFromDisk('terrain-tiny')).model
  const manifest = await readModelManifest()
  tinyBytes = new Uint8Array(await readFile(`${MODELS_DIR}${manifest.models.find((m) => m.id === 'terrain-tiny')!.file}`))
})
afterAll(() => tiny.dispose())

describe('model runtime in Node (onnxruntime-web WASM)', () => {
  it('loads the built-in model on WASM and reports why not WebGPU', async () => {
    expect(tiny.backend).toBe('wasm')
    expect(tiny.fallbackReason).toMatch(/WebGPU/)
    expect(tiny.shape).toEqual({ layers: 4, heads: 4, headDim: 32, vocabSize: BYTE_VOCAB_SIZE, contextLimit: 128 })
    expect(tiny.weightsDigest).toBe(toHex(await blake3(tinyBytes)))
  })

  it('answers an easy task correctly, greedily, streaming its tokens', async () => {
    const pieces: string[] = []
    const result = await tiny.generate('copy: k3x9ab\n=', { maxTokens: 40, temperature: 0, seed: 0, onToken: (t) => pieces.push(t.text) })
    expect(result.text).toBe('k3x9ab')
    expect(result.finishReason).toBe('eos')
    expect(result.tokens.at(-1)).toBe(EOS_TOKEN)
    expect(pieces.join('')).toBe('k3x9ab')
    expect(pieces).toHaveLength(result.tokens.length)
  })

  it('is deterministic: greedy twice gives the same tokens and the same logits', async () => {
    const run = async () => {
      const logits: Float32Array[] = []
      const result = await tiny.generate('reverse: abc123\n=', { maxTokens: 20, temperature: 0, seed: 0, onLogits: (l) => logits.push(l) })
      return { tokens: result.tokens, digest: toHex(await blake3(...logits.map((l) => new Uint8Array(l.buffer)))), logits }
    }
    const a = await run()
    const b = await run()
    expect(b.tokens).toEqual(a.tokens)
    expect(b.digest).toBe(a.digest)
    expect(a.logits).toHaveLength(a.tokens.length)
    for (const [step, l] of a.logits.entries()) {
      expect(l).toHaveLength(BYTE_VOCAB_SIZE)
      expect(argmax(l)).toBe(a.tokens[step])
    }
  })

  it('gives the pinned logits, bit for bit (the Chromium test checks the same digest)', async () => {
    expect(tiny.weightsDigest).toBe(PINNED_LOGITS.modelBlake3)
    const logits: Float32Array[] = []
    const result = await tiny.generate(PINNED_LOGITS.prompt, { maxTokens: 40, temperature: 0, seed: 0, onLogits: (l) => logits.push(l) })
    expect(result.text).toBe(PINNED_LOGITS.text)
    expect(await logitsDigest(logits)).toBe(PINNED_LOGITS.logitsBlake3)
  })

  it('samples reproducibly from a seed', async () => {
    // A prompt outside the task family leaves the model unsure, so draws differ by seed.
    const sampled = (seed: number) => tiny.generate('tell me a story\n=', { maxTokens: 30, temperature: 1, topK: 20, seed })
    const first = await sampled(7)
    expect((await sampled(7)).tokens).toEqual(first.tokens)
    const others = await Promise.all([1, 2, 3, 4].map(async (s) => (await sampled(s)).tokens.join()))
    expect(others.some((t) => t !== first.tokens.join())).toBe(true)
  })

  it('stops at a stop sequence (not part of the text), at maxTokens, and at the context limit', async () => {
    const stopped = await tiny.generate('copy: abcxyz\n=', { maxTokens: 40, temperature: 0, seed: 0, stop: ['xy'] })
    expect(stopped).toMatchObject({ text: 'abc', finishReason: 'stop' })
    const short = await tiny.generate('copy: abcxyz\n=', { maxTokens: 2, temperature: 0, seed: 0 })
    expect(short).toMatchObject({ text: 'ab', finishReason: 'length', tokens: [97, 98] })
    const long = `copy: ${'a'.repeat(117)}\n=` // BOS + 125 bytes: room for 2 tokens in 128
    expect(await tiny.generate(long, { maxTokens: 50, temperature: 0, seed: 0 })).toMatchObject({ finishReason: 'length', promptTokens: 126 })
    expect((await tiny.generate(long, { maxTokens: 50, temperature: 0, seed: 0 })).tokens).toHaveLength(2)
    expect(await codeOf(tiny.generate(`copy: ${'a'.repeat(200)}\n=`, { maxTokens: 5, temperature: 0, seed: 0 }))).toBe('context-overflow')
  })

  it('refuses bad generation options and honours an abort', async () => {
    expect(await codeOf(tiny.generate('copy: a\n=', { maxTokens: 0, temperature: 0, seed: 0 }))).toBe('invalid-generate-options')
    expect(await codeOf(tiny.generate('copy: a\n=', { maxTokens: 5, temperature: -1, seed: 0 }))).toBe('invalid-generate-options')
    const controller = new AbortController()
    const tokens: number[] = []
    const aborted = tiny.generate('copy: abcdefghijkl\n=', {
      maxTokens: 40,
      temperature: 0,
      seed: 0,
      signal: controller.signal,
      onToken: (t) => {
        tokens.push(t.id)
        if (tokens.length === 3) controller.abort('enough')
      },
    })
    expect(await codeOf(aborted)).toBe('aborted')
    expect(tokens).toHaveLength(3)
  })
})

describe('model loading errors', () => {
  it('bytes that are not ONNX: not-onnx', async () => {
    expect(await codeOf(loadModel(new TextEncoder().encode('definitely not a model'), { contextLimit: 128 }))).toBe('not-onnx')
    expect(await codeOf(loadModel(tinyBytes.slice(0, tinyBytes.length >> 1), { contextLimit: 128 }))).toBe('not-onnx')
  })

  it('an ONNX model of another signature: model-signature', async () => {
    expect(await codeOf(loadModel(identityOnnx('x', 'y'), { contextLimit: 128 }))).toBe('model-signature')
    expect(await codeOf(loadModel(identityOnnx('input_ids', 'logits'), { contextLimit: 128 }))).toBe('model-signature')
  })

  it('WebGPU demanded where there is none: webgpu-unavailable (auto falls back instead)', async () => {
    expect(await codeOf(loadModel(tinyBytes, { contextLimit: 128, backend: 'webgpu' }))).toBe('webgpu-unavailable')
  })

  it('bytes that do not match the manifest digest: digest-mismatch', async () => {
    const entry = (await readModelManifest()).models.find((m) => m.id === 'terrain-tiny')!
    expect(await codeOf(loadBuiltInModel({ ...entry, blake3: '00'.repeat(32) }, tinyBytes))).toBe('digest-mismatch')
  })

  it('maps allocation failures to out-of-memory', () => {
    expect(classifyLoadError(new RangeError('WebAssembly.Memory(): could not allocate memory'))?.code).toBe('out-of-memory')
    expect(classifyLoadError(new Error('std::bad_alloc'))?.code).toBe('out-of-memory')
    expect(classifyLoadError(new Error('some unrelated failure'))).toBeUndefined()
  })
})
