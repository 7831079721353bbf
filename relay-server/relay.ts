/**
 * Assembles a running relay from its parts — identity, durable event store,
 * libp2p node, mesh replica, bootstrap dialer, metrics, HTTP server — and
 * takes them down in reverse order.
 */
import './node-polyfills.js'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { circuitSettingsFor, createWorld, epochAt, EventLog, ProviderDirectory, worldRules } from '../core/index.js'
import { BootstrapDialer } from './bootstrap.js'
import { CircuitLinks, nodeConnector } from './circuit-links.js'
import type { RelayConfig } from './config.js'
import { createGatewayServer } from './gateway.js'
import { closeServer, createHttpServer, listenOn } from './http.js'
import { PrivateChat } from './private-chat.js'
import { loadOrCreatePeerKey, signerOfPeerKey } from './identity.js'
import { DescriptorAnnouncer, startNodeProvider } from './provider.js'
import { LevelEventStore } from './level-event-store.js'
import { Mesh } from './mesh.js'
import { createRelayMetrics } from './metrics.js'
import { createRelayNode } from './node.js'
import { browserConfig, browserMultiaddrs, relayHealth } from './status.js'

export interface RunningRelay {
  /** Where the web app, `/health` and `/metrics` are served. */
  url: string
  peerId: string
  /** WebSocket multiaddrs to dial this relay. */
  multiaddrs: string[]
  /** Base URL of the OpenAI-compatible gateway, when it runs. */
  gatewayUrl: string | undefined
  stop(): Promise<void>
}

export async function startRelay(config: RelayConfig): Promise<RunningRelay> {
  /** Shutdown steps of what has started so far, run last-first. */
  const teardown: (() => Promise<void> | void)[] = []
  const stop = async () => {
    for (const step of teardown.splice(0).reverse()) await step()
  }
  try {
    await mkdir(config.dataDir, { recursive: true })
    const privateKey = await loadOrCreatePeerKey(config.dataDir)
    const store = await LevelEventStore.open(join(config.dataDir, 'events'), { fsync: config.fsync })
    teardown.push(() => store.close())
    const world = await createWorld(config.worldPhrase, worldRules(config.epochMs))

    const node = await createRelayNode(config, privateKey, world.id)
    teardown.push(() => node.stop())
    const mesh = new Mesh(node, new EventLog(world.id, store), { antiEntropyMs: config.antiEntropyMs })
    if (config.replicate) {
      await mesh.start()
      teardown.push(() => mesh.stop())
    }
    // Every relay is an onion hop: it relays cells for circuits that pass through it,
    // and ends those addressed to it when it serves a model.
    const provider = await startNodeProvider(config)
    if (provider) teardown.push(() => provider.stop())
    const identity = await signerOfPeerKey(privateKey)
    const circuits = await CircuitLinks.start(node, {
      identity,
      settings: circuitSettingsFor(world.rules),
      connect: nodeConnector(node),
      exit: (stream, service) => (provider ? provider.serve(stream, service) : stream.abort('not-a-provider')),
    })
    teardown.push(() => circuits.stop())
    if (provider) {
      const announcer = new DescriptorAnnouncer(mesh, world, identity, provider.served, () => browserMultiaddrs(node))
      await announcer.start()
      teardown.push(() => announcer.stop())
    }
    const bootstrap = new BootstrapDialer(node, config.bootstrap)
    bootstrap.start()
    teardown.push(() => bootstrap.stop())

    const registry = createRelayMetrics({ node, mesh, store, reservations: () => node.services.relay.reservations.size, circuits, provider })
    const server = createHttpServer(config.staticDir, {
      health: () => relayHealth(node, store, world.id),
      metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
      browserConfig: () => browserConfig(node, bootstrap.addresses(), config.worldPhrase, config.epochMs),
    })
    const port = await listenOn(server, config.httpPort, config.httpHost)
    teardown.push(() => closeServer(server))
    const host = config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost

    let gatewayUrl: string | undefined
    if (config.gateway) {
      // The gateway routes to providers it learns from the log: those stored before start, then each new one.
      const providers = new ProviderDirectory(world.id)
      await store.descriptorEvents((event) => providers.addEncoded(event))
      mesh.replica.onStored(({ event }) => providers.addEncoded(event))
      const chat = new PrivateChat(node, circuits, async () => providers.summaries(epochAt(world.rules, Date.now())), () => bootstrap.addresses(), world.rules)
      teardown.push(() => chat.close())
      const gateway = createGatewayServer(chat)
      const gatewayPort = await listenOn(gateway, config.gatewayPort, config.httpHost)
      teardown.push(() => closeServer(gateway))
      gatewayUrl = `http://${host}:${gatewayPort}/v1`
    }
    return { url: `http://${host}:${port}`, peerId: node.peerId.toString(), multiaddrs: browserMultiaddrs(node), gatewayUrl, stop }
  } catch (e) {
    await stop()
    throw e
  }
}
