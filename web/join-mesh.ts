/**
 * Joining the mesh: read the relay's configuration, open the log worker
 * (IndexedDB, identity), start the libp2p node with that identity, and wire
 * the mesh between them.
 */
import { worldRules, fromHex, toHex, type CircuitStream, type HopObservation } from '../core/index.js'
import type { CircuitLinks } from '../relay-server/circuit-links.js'
import type { LogStatus } from '../workers/log-worker.js'
import { startPageCircuits } from './circuit-node.js'
import { PageProvider, type ProvideOptions } from './page-provider.js'
import { PrivateChat, type ProviderRoute } from '../relay-server/private-chat.js'
import { startControlPlane, type ControlPlane } from './control-plane.js'
import { createBrowserNode } from './browser-node.js'
import { startLogWorker } from './log-worker-client.js'
import { allowsPrivateAddresses, loadNetConfig } from './net-config.js'
import { kindOf, PeerMesh, type ConnectionSummary } from './peer-mesh.js'
import { dialWebRtc } from './webrtc-dial.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'

export interface JoinedMesh {
  peerId: string
  mesh: PeerMesh
  logStatus(): Promise<LogStatus>
  /** Sign and publish an endorsement of the world's rules (weight in [0, 1]); returns its event id. */
  endorseRules(weight?: number): Promise<string>
  hasEvent(eventIdHex: string): Promise<boolean>
  connections(): ConnectionSummary[]
  /** Whether this page holds a circuit reservation on a relay, so other peers can reach it. */
  reachable(): boolean
  /** Hex of this peer's Ed25519 identity key (its peer id's key; what circuit handshakes are checked against). */
  identityKey(): string
  circuits: CircuitLinks
  chat: PrivateChat
  /** The world's epoch length in ms. */
  epochMs: number
  /** Beliefs, routing and probing: the router and prober workers. */
  control: ControlPlane
  /** Load a built-in model in the provider worker and serve it to circuits; the descriptor is published. */
  provide(options: ProvideOptions): Promise<PageProvider>
  /** The inference requests this page's provider received (JSON), for the privacy view and tests. */
  servedRequests(): string[]
  /** What this page saw as a circuit hop (the most recent first-in), for the privacy view and tests. */
  hopObservations(): HopObservation[]
  /** Close every direct connection to `peerId` (circuits on them end). */
  dropDirect(peerId: string): Promise<void>
  /** Close any direct connection to `peerId` and dial it again over WebRTC (signalled through the relays). */
  redialDirect(peerId: string): Promise<{ connected: boolean; retries: number; ms: number; error?: string }>
}

export async function joinMesh(): Promise<JoinedMesh> {
  const config = await loadNetConfig()
  const log = startLogWorker()
  const opened = await log.open(config.world, config.epochMs)
  const rules = worldRules(config.epochMs)
  const node = await createBrowserNode(opened.seed, fromHex(opened.world), config, allowsPrivateAddresses(location.hostname))
  const mesh = new PeerMesh(node, log, fromHex(opened.world), config.relays, { antiEntropyMs: 5_000 })
  await mesh.start()
  const observations: HopObservation[] = []
  let provider: PageProvider | undefined
  const circuits = await startPageCircuits(node, {
    seed: opened.seed,
    rules,
    relays: config.relays,
    // Streams addressed to this page: answered once it provides, refused before.
    exit: (stream: CircuitStream, service: string) => (provider ? provider.serve(stream, service) : stream.abort('not-a-provider')),
    observer: (o) => {
      observations.push(o)
      if (observations.length > 1_000) observations.shift()
    },
  })
  const dropDirect = async (peerId: string) => {
    for (const c of node.getConnections(peerIdFromString(peerId))) {
      if (kindOf(c) !== 'direct') continue
      // A graceful close waits for the other side; past a second, drop the connection.
      await c.close({ signal: AbortSignal.timeout(1_000) }).catch((e: unknown) => c.abort(e instanceof Error ? e : new Error(String(e))))
    }
  }
  const control = await startControlPlane(log, { phrase: config.world, epochMs: config.epochMs, seed: opened.seed }, () => chat, () => log.providers())
  // Prompts go where this page's router believes they are best answered (uniformly until it joins the control plane).
  const route: ProviderRoute = async (candidates, model) => {
    const { providerKey } = await control.router.choose(candidates, model, 0)
    return candidates.find((p) => p.providerKey === providerKey)!
  }
  const chat = new PrivateChat(node, circuits, () => log.providers(), () => config.relays, rules, Math.random, route)
  return {
    identityKey: () => toHex(node.peerId.publicKey!.raw),
    circuits,
    chat,
    control,
    epochMs: Number(rules.epochLenMs),
    async provide(options) {
      provider?.stop()
      provider = undefined
      provider = await PageProvider.start(node, log, rules, options)
      return provider
    },
    hopObservations: () => [...observations],
    servedRequests: () => [...(provider?.received ?? [])],
    peerId: node.peerId.toString(),
    mesh,
    logStatus: () => log.status(),
    endorseRules: (weight) => log.endorseRules(weight),
    hasEvent: (id) => log.has(id),
    connections: () => mesh.connections(),
    reachable: () => mesh.reachable(),
    dropDirect,
    async redialDirect(peerId) {
      const peer = peerIdFromString(peerId)
      await dropDirect(peerId)
      const started = performance.now()
      const outcome = await dialWebRtc(node, config.relays.map((r) => multiaddr(`${r}/p2p-circuit/webrtc/p2p/${peerId}`)))
      const direct = node.getConnections(peer).some((c) => kindOf(c) === 'direct')
      return { ...outcome, connected: outcome.connected && direct, ms: performance.now() - started }
    },
  }
}
