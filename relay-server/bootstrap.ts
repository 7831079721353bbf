/**
 * Keeps the relay connected to its bootstrap relays: dial each at start,
 * retry failures with exponential backoff (with jitter, so relays restarted
 * together do not dial in lockstep), and redial when a connection drops.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'

export interface BackoffSettings {
  /** First retry delay, and the delay before redialing a dropped connection, in ms. */
  initialMs: number
  /** Longest delay between attempts, in ms. */
  maxMs: number
  /** How long one dial may take, in ms. */
  dialTimeoutMs: number
}

export const defaultBackoff: Readonly<BackoffSettings> = Object.freeze({ initialMs: 1_000, maxMs: 60_000, dialTimeoutMs: 10_000 })

export class BootstrapDialer {
  /** Bootstrap address → peer id it is connected to, for addresses currently connected. */
  private readonly connected = new Map<string, string>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private stopped = false
  private readonly onDisconnect = (event: CustomEvent<PeerId>) => {
    const peer = event.detail.toString()
    for (const [addr, id] of this.connected) {
      if (id !== peer) continue
      this.connected.delete(addr)
      this.schedule(addr, this.backoff.initialMs)
    }
  }

  constructor(
    private readonly node: Libp2p,
    private readonly addrs: readonly string[],
    private readonly backoff: BackoffSettings = defaultBackoff,
  ) {}

  start(): void {
    this.node.addEventListener('peer:disconnect', this.onDisconnect)
    for (const addr of this.addrs) void this.attempt(addr, this.backoff.initialMs)
  }

  stop(): void {
    this.stopped = true
    this.node.removeEventListener('peer:disconnect', this.onDisconnect)
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  /**
   * The bootstrap addresses, each ending in `/p2p/<id>` once the peer behind
   * it is known (browsers need ids to dial through a relay and to tell relays apart).
   */
  addresses(): string[] {
    return this.addrs.map((addr) => {
      const id = this.connected.get(addr)
      return id && !addr.includes('/p2p/') ? `${addr}/p2p/${id}` : addr
    })
  }

  /** Dial `addr`; on failure retry after `retryDelay`. */
  private async attempt(addr: string, retryDelay: number): Promise<void> {
    if (this.stopped) return
    try {
      const connection = await this.node.dial(multiaddr(addr), { signal: AbortSignal.timeout(this.backoff.dialTimeoutMs) })
      if (connection.status !== 'open') throw new Error('connection closed at once')
      this.connected.set(addr, connection.remotePeer.toString())
    } catch {
      this.schedule(addr, retryDelay)
    }
  }

  /** Attempt `addr` after about `delay` ms; a failure then waits twice as long. */
  private schedule(addr: string, delay: number): void {
    if (this.stopped) return
    const jittered = delay * (0.5 + Math.random())
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      void this.attempt(addr, Math.min(delay * 2, this.backoff.maxMs))
    }, jittered)
    this.timers.add(timer)
  }
}
