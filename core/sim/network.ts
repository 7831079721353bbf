/**
 * A seeded, in-memory network for protocol tests: nodes exchange frames over
 * links with latency, jitter and loss, partitions split the node set, and
 * churn takes nodes offline. Time is virtual and handlers run one at a time,
 * so a seed replays the same run exactly.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { EventQueue } from './event-queue.js'

export interface LinkModel {
  /** One-way base latency, ms. */
  latencyMs: number
  /** Uniform extra latency in [0, jitterMs). */
  jitterMs: number
  /** Probability a frame is lost. */
  loss: number
}

export type FrameHandler = (from: string, frame: Uint8Array) => Promise<void>

export class SimNetwork {
  readonly queue = new EventQueue()
  now = 0
  private readonly rng: ReturnType<typeof xoroshiro128plus>
  private readonly handlers = new Map<string, FrameHandler>()
  private readonly offline = new Set<string>()
  /** Partition: node -> side; nodes on different sides cannot reach each other. */
  private sides = new Map<string, number>()
  framesSent = 0
  framesDropped = 0

  constructor(
    seed: number,
    readonly link: LinkModel,
  ) {
    this.rng = xoroshiro128plus(seed)
  }

  random(): number {
    return uniformFloat64(this.rng)
  }

  randomInt(from: number, to: number): number {
    return uniformInt(this.rng, from, to)
  }

  attach(node: string, handler: FrameHandler): void {
    this.handlers.set(node, handler)
  }

  setOnline(node: string, online: boolean): void {
    if (online) this.offline.delete(node)
    else this.offline.add(node)
  }

  isOnline(node: string): boolean {
    return !this.offline.has(node)
  }

  partition(sides: Map<string, number>): void {
    this.sides = sides
  }

  heal(): void {
    this.sides = new Map()
  }

  reachable(a: string, b: string): boolean {
    return this.isOnline(a) && this.isOnline(b) && (this.sides.get(a) ?? 0) === (this.sides.get(b) ?? 0)
  }

  /** Send a frame; it arrives after the link latency unless lost, or either end is offline or cut off. */
  send(from: string, to: string, frame: Uint8Array): void {
    this.framesSent++
    if (!this.reachable(from, to) || this.random() < this.link.loss) {
      this.framesDropped++
      return
    }
    const delay = this.link.latencyMs + this.random() * this.link.jitterMs
    this.queue.push(this.now + delay, async () => {
      // Reachability is checked again on arrival: a node may have left meanwhile.
      if (!this.reachable(from, to)) {
        this.framesDropped++
        return
      }
      await this.handlers.get(to)?.(from, frame)
    })
  }

  at(time: number, run: () => void | Promise<void>): void {
    this.queue.push(time, run)
  }

  /** Run scheduled work in time order until `until` (virtual ms) or nothing is left. */
  async run(until: number): Promise<void> {
    for (let next = this.queue.peek(); next && next.at <= until; next = this.queue.peek()) {
      this.queue.pop()
      this.now = next.at
      await next.run()
    }
    this.now = Math.max(this.now, until)
  }
}
