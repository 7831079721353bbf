/** A min-heap of timed callbacks; ties run in insertion order, so runs are deterministic. */
export interface Timed {
  at: number
  order: number
  run: () => void | Promise<void>
}

export class EventQueue {
  private readonly heap: Timed[] = []
  private inserted = 0

  get size(): number {
    return this.heap.length
  }

  push(at: number, run: Timed['run']): void {
    const item = { at, order: this.inserted++, run }
    const h = this.heap
    h.push(item)
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1
      if (!before(h[i]!, h[parent]!)) break
      ;[h[i], h[parent]] = [h[parent]!, h[i]!]
      i = parent
    }
  }

  peek(): Timed | undefined {
    return this.heap[0]
  }

  pop(): Timed | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (!top || !last || h.length === 0) return top
    h[0] = last
    for (let i = 0; ; ) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && before(h[l]!, h[m]!)) m = l
      if (r < h.length && before(h[r]!, h[m]!)) m = r
      if (m === i) break
      ;[h[i], h[m]] = [h[m]!, h[i]!]
      i = m
    }
    return top
  }
}

function before(a: Timed, b: Timed): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order)
}
