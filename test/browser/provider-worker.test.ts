import * as Comlink from 'comlink'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProviderWorker, type ProviderWorker } from '../../web/provider-worker-client.js'
import type { ModelLoadProgress } from '../../workers/model/runtime.js'
import type { ProviderModelInfo } from '../../workers/provider-worker.js'
import { logitsDigest, PINNED_LOGITS } from '../model/support/pinned-logits.js'

let worker: ProviderWorker
let info: ProviderModelInfo
const progress: ModelLoadProgress[] = []

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (e) {
    return (e as { code?: string }).code ?? `untyped: ${String(e)}`
  }
  return 'no error'
}

beforeAll(async () => {
  worker = startProviderWorker()
  info = await Promise.race([worker.api.loadBuiltIn('terrain-tiny', 'auto', Comlink.proxy((p: ModelLoadProgress) => void progress.push(p))), worker.failed])
})
afterAll(() => worker.terminate())

describe('provider worker (Chromium dedicated worker, onnxruntime-web)', () => {
  it('loads the built-in model from the app\u2019s origin with download progress; without a GPU, auto falls back to WASM and says why', async () => {
    const manifest = (await (await fetch('/models/manifest.json')).json()) as { models: { id: string; blake3: string; bytes: number }[] }
    const entry = manifest.models.find((m) => m.id === 'terrain-tiny')!
    expect(info).toMatchObject({ id: 'terrain-tiny', backend: 'wasm', weightsDigest: entry.blake3 })
    expect(info.fallbackReason).toMatch(/adapter|WebGPU/)
    const downloads = progress.filter((p) => p.stage === 'downloading')
    expect(downloads.at(-1)).toEqual({ stage: 'downloading', loadedBytes: entry.bytes, totalBytes: entry.bytes })
    expect(progress.map((p) => p.stage).filter((s) => s !== 'downloading')).toEqual(['hashing', 'creating-session', 'ready'])
    expect(await worker.api.status()).toEqual(info)
  })

  it('streams a greedy generation through a callback, logits included', async () => {
    const pieces: string[] = []
    const logits: number[] = []
    const result = await worker.api.generate(
      { requestId: 'r1', prompt: 'copy: k3x9ab\n=', maxTokens: 40, temperature: 0, seed: 0 },
      Comlink.proxy((t: { text: string }) => void pieces.push(t.text)),
      Comlink.proxy((l: Float32Array) => void logits.push(l.length)),
    )
    expect(result).toMatchObject({ text: 'k3x9ab', finishReason: 'eos' })
    expect(pieces.join('')).toBe('k3x9ab')
    expect(logits).toEqual(result.tokens.map(() => 259))
  })

  it('gives the logits Node gives, bit for bit', async () => {
    expect(info.weightsDigest).toBe(PINNED_LOGITS.modelBlake3)
    const logits: Float32Array[] = []
    const result = await worker.api.generate(
      { requestId: 'pinned', prompt: PINNED_LOGITS.prompt, maxTokens: 40, temperature: 0, seed: 0 },
      undefined,
      Comlink.proxy((l: Float32Array) => void logits.push(l)),
    )
    expect(result.text).toBe(PINNED_LOGITS.text)
    expect(await logitsDigest(logits)).toBe(PINNED_LOGITS.logitsBlake3)
  })

  it('cancels a generation by request id, the error code intact across Comlink', async () => {
    let seen = 0
    // A long answer: the cancel goes out after the second token and must arrive while steps remain,
    // even when the page is slow to take the token callbacks.
    const running = worker.api.generate(
      { requestId: 'r2', prompt: 'copy: abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\n=', maxTokens: 60, temperature: 0, seed: 0 },
      Comlink.proxy(() => {
        if (++seen === 2) void worker.api.cancel('r2')
      }),
    )
    expect(await codeOf(running)).toBe('aborted')
    expect(seen).toBeLessThan(12)
  })

  it('loads a supplied model from a URL; refuses a file that is not a model and an unknown built-in id, with typed errors', async () => {
    const other = startProviderWorker()
    try {
      const manifest = (await (await fetch('/models/manifest.json')).json()) as { models: { id: string; file: string; blake3: string }[] }
      const micro = manifest.models.find((m) => m.id === 'terrain-micro')!
      expect(await other.api.loadCustom(`/models/${micro.file}`, 128, 'wasm')).toMatchObject({ id: 'custom', backend: 'wasm', weightsDigest: micro.blake3 })
      expect(await codeOf(other.api.loadCustom(new TextEncoder().encode('not onnx').buffer, 128, 'wasm'))).toBe('not-onnx')
      expect(await codeOf(other.api.generate({ requestId: 'x', prompt: 'copy: a\n=', maxTokens: 2, temperature: 0, seed: 0 }))).toBe('unknown-model')
      expect(await codeOf(other.api.loadBuiltIn('terrain-huge'))).toBe('unknown-model')
    } finally {
      other.terminate()
    }
  })
})
