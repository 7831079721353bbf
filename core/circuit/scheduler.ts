/**
 * Time for circuits, injected: circuits keep no timers of their own, so the
 * same code runs on real timers in pages and relays and on virtual time in
 * the simulator and the tests.
 */
import { EventQueue } from '../sim/event-queue.js'

export interface Scheduler {
  /** Current time in ms. */
  now(): number
  /** Runs `task` once, `delayMs` from now; the returned function cancels it. */
  schedule(delayMs: number, task: () => void): () => void
}

/** Virtual time: nothing runs until `advance` moves the clock past it. */
export class ManualScheduler implements Scheduler {
  private readonly queue = new EventQueue()
  private time = 0

  now(): number {
    return this.time
  }

  schedule(delayMs: number, task: () => void): () => void {
    let live = true
    this.queue.push(this.time + delayMs, () => {
      if (live) task()
    })
    return () => {
      live = false
    }
  }

  /** Moves the clock forward by `ms`, running every task that falls due, in time order. */
  advance(ms: number): void {
    const until = this.time + ms
    for (let next = this.queue.peek(); next && next.at <= until; next = this.queue.peek()) {
      this.queue.pop()
      this.time = next.at
      void next.run()
    }
    this.time = until
  }
}

/**
 * Calls `onIdle` once nothing has `touch`ed it for `idleMs`. One pending
 * task at a time, re-armed lazily when it fires early, so touching it on
 * every cell costs a clock read.
 */
export class IdleTimer {
  private last: number
  private cancel: (() => void) | undefined

  constructor(
    private readonly scheduler: Scheduler,
    private readonly idleMs: number,
    private readonly onIdle: () => void,
  ) {
    this.last = scheduler.now()
    this.arm(idleMs)
  }

  touch(): void {
    this.last = this.scheduler.now()
  }

  stop(): void {
    this.cancel?.()
    this.cancel = undefined
  }

  private arm(delayMs: number): void {
    this.cancel = this.scheduler.schedule(delayMs, () => {
      const quiet = this.scheduler.now() - this.last
      if (quiet >= this.idleMs) {
        this.cancel = undefined
        this.onIdle()
      } else this.arm(this.idleMs - quiet)
    })
  }
}
