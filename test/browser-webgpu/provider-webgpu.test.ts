import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProviderWorker, type ProviderWorker } from '../../web/provider-worker-client.js'

// Chromium here runs with --enable-unsafe-webgpu (vitest.config.ts): a SwiftShader adapter, correct but slow.
let gpu: ProviderWorker
let cpu: ProviderWorker

beforeAll(async () => {
  gpu = startProviderWorker()
  cpu = startProviderWorker()
})
afterAll(() => {
  gpu.terminate()
  cpu.terminate()
})

describe('provider worker on WebGPU', () => {
  it('reports backend webgpu and generates the same greedy tokens as WASM', async () => {
    const onGpu = await Promise.race([gpu.api.loadBuiltIn('terrain-tiny', 'webgpu'), gpu.failed])
    expect(onGpu).toMatchObject({ backend: 'webgpu', fallbackReason: undefined })
    const onCpu = await Promise.race([cpu.api.loadBuiltIn('terrain-tiny', 'wasm'), cpu.failed])
    expect(onCpu.backend).toBe('wasm')
    expect(onGpu.weightsDigest).toBe(onCpu.weightsDigest)
    for (const prompt of ['copy: k3x9ab\n=', 'sort: 7 2 9 2\n=']) {
      const request = { requestId: prompt, prompt, maxTokens: 16, temperature: 0, seed: 0 }
      const [a, b] = [await gpu.api.generate(request), await cpu.api.generate(request)]
      expect(a.tokens).toEqual(b.tokens)
      expect(a.text).toBe(b.text)
    }
  })

  it('auto picks WebGPU when an adapter is there', async () => {
    const auto = startProviderWorker()
    try {
      expect(await Promise.race([auto.api.loadBuiltIn('terrain-micro', 'auto'), auto.failed])).toMatchObject({ backend: 'webgpu', fallbackReason: undefined })
    } finally {
      auto.terminate()
    }
  })
})
