/**
 * Anti-entropy: pull (delta sync) from a peer as soon as it connects and
 * speaks the sync protocol, and from a random such peer on a timer, so
 * anything gossip missed — partitions, restarts, late joiners — is repaired.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { SYNC_PROTOCOL } from './sync-streams.js'

export class AntiEntropy {
  private timer: ReturnType<typeof setInterval> | undefined
  private topology: string | undefined

  constructor(
    private readonly node: Libp2p,
    /** Starts one pull round with the peer (e.g. `Replica.syncWith`). */
    private readonly pull: (peer: string) => Promise<void>,
    private readonly intervalMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  async start(): Promise<void> {
    // The registrar calls this once identify shows that a newly connected peer speaks the protocol.
    this.topology = await this.node.register(SYNC_PROTOCOL, { onConnect: (peer) => this.round(peer) })
    this.timer = setInterval(() => void this.tick(), this.intervalMs)
  }

  stop(): void {
    clearInterval(this.timer)
    if (this.topology) this.node.unregister(this.topology)
  }

  private async tick(): Promise<void> {
    const candidates = await this.syncPeers()
    const peer = candidates[Math.floor(this.random() * candidates.length)]
    if (peer) this.round(peer)
  }

  /** Connected peers whose identify record lists the sync protocol (asked each tick, so none is missed). */
  private async syncPeers(): Promise<PeerId[]> {
    const peers: PeerId[] = []
    for (const peer of this.node.getPeers()) {
      try {
        if ((await this.node.peerStore.get(peer)).protocols.includes(SYNC_PROTOCOL)) peers.push(peer)
      } catch {
        // Not in the peer store yet (identify still running): next tick.
      }
    }
    return peers
  }

  private round(peer: PeerId): void {
    this.pull(peer.toString()).catch(() => {
      // The store failed while building the request (e.g. closing): the next round retries.
    })
  }
}
