/**
 * Decoding speed of a loaded model, runtime-agnostic (the same code in Node
 * and in a Chromium worker): greedy generations over a fixed set of task
 * prompts, one KV-cached step per token, the median of several rounds.
 */
import { generateTaskInstances, TASK_NAMES } from '../core/tasks/index.js'
import type { LoadedModel } from '../workers/model/runtime.js'

export interface DecodeFigures {
  runtime: string
  backend: string
  /** Generated tokens per second (each a full forward step), median round. */
  tokensPerSecond: number
  tokensPerRound: number
}

const PROMPTS = TASK_NAMES.flatMap((task, i) => generateTaskInstances(task, 77 + i, 2).map((instance) => instance.prompt))

export async function measureDecoding(runtime: string, model: LoadedModel, rounds: number): Promise<DecodeFigures> {
  const round = async () => {
    let tokens = 0
    const started = performance.now()
    for (const prompt of PROMPTS) tokens += (await model.generate(prompt, { maxTokens: 64, temperature: 0, seed: 0 })).tokens.length
    return { tokens, perSecond: (tokens * 1000) / (performance.now() - started) }
  }
  await round() // warm-up: JIT, WASM tiering, allocator
  const samples: number[] = []
  let tokensPerRound = 0
  for (let r = 0; r < rounds; r++) {
    const { tokens, perSecond } = await round()
    samples.push(perSecond)
    tokensPerRound = tokens
  }
  samples.sort((a, b) => a - b)
  return { runtime, backend: model.backend, tokensPerSecond: samples[samples.length >> 1]!, tokensPerRound }
}
