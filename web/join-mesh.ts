/**
 * Joining the mesh: read the relay's configuration, open the log worker
 * (IndexedDB, identity), start the libp2p node with that identity, and wire
 * the mesh between them.
 */
import { fromHex } from '../core/index.js'
import type { LogStatus } from '../workers/log-worker.js'
import { createBrowserNode } from './browser-node.js'
import { startLogWorker } from './log-worker-client.js'
import { allowsPrivateAddresses, loadNetConfig } from './net-config.js'
import { PeerMesh, type ConnectionSummary } from './peer-mesh.js'

export interface JoinedMesh {
  peerId: string
  mesh: PeerMesh
  logStatus(): Promise<LogStatus>
  endorseRules(): Promise<string>
  hasEvent(eventIdHex: string): Promise<boolean>
  connections(): ConnectionSummary[]
}

export async function joinMesh(): Promise<JoinedMesh> {
  const config = await loadNetConfig()
  const log = startLogWorker()
  const opened = await log.open(config.world)
  const node = await createBrowserNode(opened.seed, fromHex(opened.world), config, allowsPrivateAddresses(location.hostname))
  const mesh = new PeerMesh(node, log, fromHex(opened.world), config.relays, { antiEntropyMs: 5_000 })
  await mesh.start()
  return {
    peerId: node.peerId.toString(),
    mesh,
    logStatus: () => log.status(),
    endorseRules: () => log.endorseRules(),
    hasEvent: (id) => log.has(id),
    connections: () => mesh.connections(),
  }
}
