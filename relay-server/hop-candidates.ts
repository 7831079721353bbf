/**
 * Who can carry a circuit, as this peer sees the mesh: the relays it knows
 * and every peer it is connected to, each with the relay it is reached
 * through (its relay group: see core/path-selection.ts). Every Terrain peer
 * runs the circuit protocol, so every one of them can be a hop.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { fromHex, type HopCandidate, type ProviderSummary } from '../core/index.js'

/** Relays by peer id (from their multiaddrs, which end in `/p2p/<id>`). */
export function relayIds(relays: readonly string[]): Map<string, string> {
  return new Map(relays.filter((r) => r.includes('/p2p/')).map((r) => [r.slice(r.lastIndexOf('/p2p/') + 5), r]))
}

/** The relay a `/p2p/<relay>/p2p-circuit/...` address goes through, if it is one. */
export function relayOfAddress(address: string): string | undefined {
  const at = address.indexOf('/p2p-circuit')
  if (at === -1) return undefined
  const before = address.slice(0, at)
  return before.slice(before.lastIndexOf('/p2p/') + 5)
}

export async function hopCandidates(node: Libp2p, relays: readonly string[]): Promise<HopCandidate[]> {
  const relayById = relayIds(relays)
  const out: HopCandidate[] = [...relayById.keys()].map((id) => ({ peerId: id, relayGroup: id }))
  for (const peer of node.getPeers()) {
    const id = peer.toString()
    if (relayById.has(id)) continue
    const known = await node.peerStore.get(peer).catch(() => undefined)
    const viaRelay = known?.addresses.map((a) => relayOfAddress(a.multiaddr.toString())).find((r) => r !== undefined)
    out.push({ peerId: id, relayGroup: viaRelay ?? id })
  }
  return out
}

/** A provider as a path's exit: its peer id (from its transport key) and how the hop before reaches it. */
export function providerHop(provider: ProviderSummary): HopCandidate & { peer: PeerId; contactHint: string } {
  const peer = peerIdFromPublicKey(publicKeyFromRaw(fromHex(provider.providerKey)))
  const contactHint = provider.contactPoints[0] ?? peer.toString()
  const viaRelay = provider.contactPoints.map(relayOfAddress).find((r) => r !== undefined)
  return { peerId: peer.toString(), relayGroup: viaRelay ?? peer.toString(), peer, contactHint }
}
