/**
 * Which probers speak with one voice. Each prober keeps its recent residuals
 * (its report minus the aggregate, per target and epoch); two probers that
 * strayed the same way on several of the same reports, and whose residuals
 * point the same way overall (cosine similarity over the shared ones), are
 * linked, and linked probers form one group. Straying once together proves
 * nothing: when liars carry one aggregate, the honest probers of that report
 * stray together too. A cartel strays together every time it lies; honest
 * probers, whose residuals are otherwise small independent noise, rarely do.
 * Probers without a probe ticket are one group whatever they report: a
 * fresh identity costs nothing, so any number of them is worth one prober.
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

  /** How many kept residuals are at least `floor` in size. */
  strays(floor: number): number {
    let n = 0
    for (const r of this.byKey.values()) if (Math.abs(r) >= floor) n++
    return n
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys()
  }
}

type GroupingSettings = Pick<BeliefSettings, 'correlationThreshold' | 'minSharedStrays' | 'deviationFloor'>

/**
 * Cosine similarity of two probers' residuals over the reports both made;
 * undefined unless both strayed the same way (by at least the deviation
 * floor) on at least `minSharedStrays` of them.
 */
export function residualSimilarity(a: Residuals, b: Residuals, s: Omit<GroupingSettings, 'correlationThreshold'>): number | undefined {
  let strays = 0
  let dot = 0
  let na = 0
  let nb = 0
  for (const key of a.keys()) {
    const rb = b.get(key)
    if (rb === undefined) continue
    const ra = a.get(key)!
    if (Math.min(Math.abs(ra), Math.abs(rb)) >= s.deviationFloor && Math.sign(ra) === Math.sign(rb)) strays++
    dot += ra * rb
    na += ra * ra
    nb += rb * rb
  }
  if (strays < s.minSharedStrays || na === 0 || nb === 0) return undefined
  return dot / Math.sqrt(na * nb)
}

/** Disjoint sets over 0..n-1 (union-find): what links probers, or reports, into one voice. */
export class Partition {
  private readonly parent: number[]

  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_, i) => i)
  }

  link(a: number, b: number): void {
    this.parent[this.root(b)] = this.root(a)
  }

  same(a: number, b: number): boolean {
    return this.root(a) === this.root(b)
  }

  /** Small integer ids, one per set, numbered in order of first member. */
  ids(): number[] {
    const ids = new Map<number, number>()
    return this.parent.map((_, i) => {
      const r = this.root(i)
      if (!ids.has(r)) ids.set(r, ids.size)
      return ids.get(r)!
    })
  }

  private root(i: number): number {
    const p = this.parent[i]!
    if (p === i) return i
    return (this.parent[i] = this.root(p))
  }
}

/** Group ids (small integers) for `probers`: linked probers share one, and every prober without a ticket shares one. */
export function groupCorrelated(
  probers: { prober: string; residuals: Residuals; ticketed: boolean }[],
  s: GroupingSettings,
): Map<string, number> {
  const groups = new Partition(probers.length)
  const straying = probers.map((p) => p.residuals.strays(s.deviationFloor) >= s.minSharedStrays)
  let firstUnticketed: number | undefined
  for (let i = 0; i < probers.length; i++) {
    if (!probers[i]!.ticketed) {
      firstUnticketed ??= i
      groups.link(firstUnticketed, i)
    }
    if (!straying[i]) continue
    for (let j = i + 1; j < probers.length; j++) {
      if (!straying[j] || groups.same(i, j)) continue
      const similarity = residualSimilarity(probers[i]!.residuals, probers[j]!.residuals, s)
      if (similarity !== undefined && similarity >= s.correlationThreshold) groups.link(i, j)
    }
  }
  const ids = groups.ids()
  return new Map(probers.map((p, i) => [p.prober, ids[i]!]))
}
