/**
 * What the relay reports about itself: `/health` for operators and tests,
 * `/config.json` for the browser app (which relays to dial, which world).
 */
import type { Libp2p } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { toHex, type Bytes32, type EventStore } from '../core/index.js'

export interface RelayHealth {
  status: 'ok'
  peerId: string
  /** WebSocket addresses browsers should dial, each ending in `/p2p/<peerId>`. */
  multiaddrs: string[]
  /** WorldId of the replicated world, hex. */
  world: string
  /** Events in the durable log. */
  events: number
  /** Connected peers (browsers and relays). */
  peers: number
}

export interface BrowserConfig {
  /** Relays a browser can dial: this one first, then its WebSocket bootstrap relays. */
  relays: string[]
  /** The world phrase. */
  world: string
  /** The world's epoch length in ms, when not the default rule bundle's (it changes the WorldId). */
  epochMs?: number
}

const isWebSocket = (ma: Multiaddr): boolean => {
  const names = ma.getComponents().map((c) => c.name)
  return (names.includes('ws') || names.includes('wss')) && !names.includes('p2p-circuit')
}

/** This node's WebSocket listen and announce addresses, with its peer id. */
export function browserMultiaddrs(node: Libp2p): string[] {
  const id = node.peerId.toString()
  return node
    .getMultiaddrs()
    .filter(isWebSocket)
    .map((ma) => (ma.getComponents().some((c) => c.name === 'p2p') ? ma : ma.encapsulate(`/p2p/${id}`)).toString())
}

export async function relayHealth(node: Libp2p, store: EventStore, world: Bytes32): Promise<RelayHealth> {
  return {
    status: 'ok',
    peerId: node.peerId.toString(),
    multiaddrs: browserMultiaddrs(node),
    world: toHex(world),
    events: await store.count(),
    peers: node.getPeers().length,
  }
}

export function browserConfig(node: Libp2p, bootstrap: readonly string[], worldPhrase: string, epochMs = 0): BrowserConfig {
  // Only relays whose peer id is known: browsers dial through them by id and tell them apart by it.
  const others = bootstrap.filter((a) => isWebSocket(multiaddr(a)) && a.includes('/p2p/'))
  return { relays: [...browserMultiaddrs(node), ...others], world: worldPhrase, ...(epochMs ? { epochMs } : {}) }
}
