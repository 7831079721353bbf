/**
 * Which probers stray together. Each prober keeps its recent residuals (its
 * report minus the aggregate, per target and epoch); two probers whose
 * residuals on the same reports point the same way (cosine similarity over
 * the shared ones) are linked, and linked probers form one group. Honest
 * probers' residuals are small, independent noise: below the deviation
 * floor a prober is never linked, so honest crowds stay many voices.
 */
import type { BeliefSettings } from './settings.js'

/** The most recent residuals of one prober, by report key. */
export class Residuals {
  private readonly byKey = new Map<string, number>()

  constructor(private readonly capacity: number) {}

  add(key: string, residual: number): void {
    this.byKey.delete(key)
    this.byKey.set(key, residual)
    if (this.byKey.size > this.capacity) this.byKey.delete(this.byKey.keys().next().value!)
  }

  get(key: string): number | undefined {
    return this.byKey.get(key)
  }

  /** Root mean square of the kept residuals. */
  rms(): number {
    if (this.byKey.size === 0) return 0
    let sum = 0
    for (const r of this.byKey.values()) sum += r * r
    return Math.sqrt(sum / this.byKey.size)
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys()
  }
}

/** Cosine similarity of two probers' residuals over the reports both made; undefined with fewer than `minShared`. */
export function residualSimilarity(a: Residuals, b: Residuals, minShared: number): number | undefined {
  let shared = 0
  let dot = 0
  let na = 0
  let nb = 0
  for (const key of a.keys()) {
    const rb = b.get(key)
    if (rb === undefined) continue
    const ra = a.get(key)!
    shared++
    dot += ra * rb
    na += ra * ra
    nb += rb * rb
  }
  if (shared < minShared || na === 0 || nb === 0) return undefined
  return dot / Math.sqrt(na * nb)
}

/** Group ids (small integers) for `probers`: linked probers share one. */
export function groupCorrelated(
  probers: { prober: string; residuals: Residuals }[],
  s: Pick<BeliefSettings, 'correlationThreshold' | 'minSharedResiduals' | 'deviationFloor'>,
): Map<string, number> {
  const parent = probers.map((_, i) => i)
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)))
  const straying = probers.map((p) => p.residuals.rms() >= s.deviationFloor)
  for (let i = 0; i < probers.length; i++) {
    if (!straying[i]) continue
    for (let j = i + 1; j < probers.length; j++) {
      if (!straying[j]) continue
      const similarity = residualSimilarity(probers[i]!.residuals, probers[j]!.residuals, s.minSharedResiduals)
      if (similarity !== undefined && similarity >= s.correlationThreshold) parent[root(j)] = root(i)
    }
  }
  const ids = new Map<number, number>()
  return new Map(probers.map((p, i) => {
    const r = root(i)
    if (!ids.has(r)) ids.set(r, ids.size)
    return [p.prober, ids.get(r)!]
  }))
}
