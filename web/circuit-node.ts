/**
 * The page's part in onion circuits: it is a hop for others (and an exit
 * when it provides), and a client for its own prompts. Cells travel only
 * over direct connections: WebSockets to relays, WebRTC to other pages
 * (dialled through the relays when there is none yet).
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { circuitSettingsFor, createSigner, type RuleBundle } from '../core/index.js'
import { CircuitLinks, directConnection, hintedPeer, type CircuitLinksOptions, type DirectConnector } from '../relay-server/circuit-links.js'
import { relayIds } from '../relay-server/hop-candidates.js'
import { dialWebRtc } from './webrtc-dial.js'

export function browserConnector(node: Libp2p, relays: readonly string[]): DirectConnector {
  const byId = relayIds(relays)
  return async (peer: PeerId, contactHint: string) => {
    const existing = directConnection(node, peer)
    if (existing) return existing
    const relay = byId.get(peer.toString())
    if (relay) return node.dial(multiaddr(relay), { signal: AbortSignal.timeout(10_000) })
    // A peer that announced a WebSocket address of its own (a Node provider) is dialed there.
    if (contactHint.startsWith('/') && !contactHint.includes('/p2p-circuit') && hintedPeer(contactHint)?.equals(peer)) {
      return node.dial(multiaddr(contactHint), { signal: AbortSignal.timeout(10_000) })
    }
    const outcome = await dialWebRtc(node, relays.map((r) => multiaddr(`${r}/p2p-circuit/webrtc/p2p/${peer.toString()}`)))
    const direct = directConnection(node, peer)
    if (!direct) throw new Error(`no direct connection to ${peer.toString()}: ${outcome.error ?? 'WebRTC dial did not connect'}`)
    return direct
  }
}

export interface PageCircuitsOptions extends Pick<CircuitLinksOptions, 'exit' | 'observer'> {
  seed: Uint8Array
  rules: RuleBundle
  relays: readonly string[]
}

export async function startPageCircuits(node: Libp2p, options: PageCircuitsOptions): Promise<CircuitLinks> {
  return CircuitLinks.start(node, {
    identity: await createSigner(options.seed),
    settings: circuitSettingsFor(options.rules),
    connect: browserConnector(node, options.relays),
    exit: options.exit,
    observer: options.observer,
  })
}
