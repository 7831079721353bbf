/**
 * Rate measurement that survives a noisy shared machine: every operation is
 * timed in several interleaved rounds, so a slow spell hits the baseline and
 * the measured operation alike, and the median round is reported.
 */

export interface Operation {
  name: string
  run: () => unknown | Promise<unknown>
}

export interface Rate {
  name: string
  opsPerSecond: number
}

const now = (): number => performance.now()

async function timedRate(op: Operation, minMs: number): Promise<number> {
  let iterations = 0
  let batch = 1
  const start = now()
  let elapsed = 0
  while (elapsed < minMs) {
    for (let i = 0; i < batch; i++) await op.run()
    iterations += batch
    batch *= 2
    elapsed = now() - start
  }
  return (iterations * 1000) / elapsed
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Median ops/s of each operation over `rounds` interleaved rounds of at least `minMs` each. */
export async function measureRates(ops: Operation[], rounds = 5, minMs = 200): Promise<Rate[]> {
  for (const op of ops) await timedRate(op, 20) // warm up JIT and caches
  const samples = ops.map(() => [] as number[])
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < ops.length; i++) samples[i]!.push(await timedRate(ops[i]!, minMs))
  }
  return ops.map((op, i) => ({ name: op.name, opsPerSecond: median(samples[i]!) }))
}
