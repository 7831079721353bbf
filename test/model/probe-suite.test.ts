import { describe, expect, it } from 'vitest'
import type { MetricsVector } from '../../core/index.js'
import { createChallengeSuite, type Challenge } from '../../core/probe/challenges.js'
import { metricsFromOutcomes, scoreAnswer } from '../../core/probe/metrics.js'
import { configureOrtForNode, loadBuiltInModelFromDisk } from '../../workers/model/node.js'

configureOrtForNode()

async function probe(modelId: string, suite: readonly Challenge[]): Promise<MetricsVector> {
  const { model } = await loadBuiltInModelFromDisk(modelId)
  try {
    const outcomes = []
    for (const challenge of suite) {
      const started = performance.now()
      const { text } = await model.generate(challenge.prompt, { maxTokens: 48, temperature: 0, seed: 1 })
      outcomes.push(scoreAnswer(challenge, text, performance.now() - started))
    }
    return metricsFromOutcomes(suite, outcomes)
  } finally {
    await model.dispose()
  }
}

describe('a challenge suite against the built-in models', () => {
  it('tells terrain-tiny from terrain-micro', async () => {
    const suite = await createChallengeSuite({ secretSeed: new Uint8Array(32).fill(9), world: new Uint8Array(32).fill(4), epoch: 1n })
    const tiny = await probe('terrain-tiny', suite)
    const micro = await probe('terrain-micro', suite)
    // Measured greedy accuracy is about 52% against 0.7% (docs/models.md).
    expect(tiny.successRate - micro.successRate).toBeGreaterThan(0.25)
    expect(tiny.robustnessScore).toBeGreaterThan(micro.robustnessScore)
    expect(tiny.toolFidelity).toBeGreaterThanOrEqual(micro.toolFidelity)
  }, 20_000)
})
