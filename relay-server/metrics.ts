/**
 * Prometheus metrics of the relay (prom-client), read from the live
 * counters of the node, the mesh and the store at each scrape, plus Node's
 * process metrics. Counters mirror monotonic totals kept elsewhere.
 */
import type { Libp2p } from '@libp2p/interface'
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { EventStore } from '../core/index.js'
import type { CircuitLinks } from './circuit-links.js'
import type { Mesh } from './mesh.js'

type Labels = Record<string, string>
type Sample = readonly [Labels, number]

function mirroredCounter(registry: Registry, name: string, help: string, labelNames: readonly string[], read: () => Sample[]): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset()
      for (const [labels, value] of read()) this.inc(labels, value)
    },
  })
}

function gauge(registry: Registry, name: string, help: string, read: () => number | Promise<number>): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      this.set(await read())
    },
  })
}

const byKey = (label: string, counts: ReadonlyMap<string, number> | Record<string, number>): Sample[] =>
  (counts instanceof Map ? [...counts] : Object.entries(counts)).map(([key, n]) => [{ [label]: key }, n] as const)

export interface RelayMetricsSources {
  node: Libp2p
  mesh: Mesh
  store: EventStore
  /** Circuit-relay reservations currently held. */
  reservations: () => number
  circuits: CircuitLinks
  /** Present when this peer serves a model. */
  provider: { stats: { requests: number; errors: number } } | undefined
}

export function createRelayMetrics({ node, mesh, store, reservations, circuits, provider }: RelayMetricsSources): Registry {
  const registry = new Registry()
  // The event-loop delay histogram samples on a timer; prom-client's 10 ms default woke an idle relay 200 times a
  // second and doubled its idle CPU. At 100 ms it still records every stall longer than that, shorter ones in part.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 })
  const replica = mesh.replica.metrics

  gauge(registry, 'terrain_connected_peers', 'Peers with an open connection (browsers and relays).', () => node.getPeers().length)
  gauge(registry, 'terrain_events_stored', 'Events in the durable event log.', () => store.count())
  gauge(registry, 'terrain_circuit_reservations', 'Circuit-relay reservations held for browsers.', reservations)

  mirroredCounter(registry, 'terrain_sync_rounds_total', 'Delta-sync rounds this relay started (anti-entropy).', [], () => [[{}, replica.syncRounds]])
  mirroredCounter(registry, 'terrain_frames_total', 'Frames received (sync streams and gossip) and sent (sync streams and gossip published).', ['direction'], () => [
    [{ direction: 'in' }, replica.framesIn],
    [{ direction: 'out' }, replica.framesOut],
  ])
  mirroredCounter(registry, 'terrain_frame_bytes_total', 'Bytes of those frames.', ['direction'], () => [
    [{ direction: 'in' }, replica.bytesIn],
    [{ direction: 'out' }, replica.bytesOut],
  ])
  mirroredCounter(registry, 'terrain_events_added_total', 'Events newly stored (from sync or gossip).', [], () => [[{}, replica.eventsAdded]])
  mirroredCounter(registry, 'terrain_duplicates_total', 'Events received that were already stored.', [], () => [[{}, replica.duplicates]])
  mirroredCounter(registry, 'terrain_rejections_total', 'Rejected frames and events, by reason (framing, encoding or validation error code).', ['reason'], () =>
    byKey('reason', mesh.rejections()),
  )
  mirroredCounter(registry, 'terrain_sync_stream_errors_total', 'Sync streams closed for a framing error, by reason.', ['reason'], () => byKey('reason', mesh.streamErrors))
  mirroredCounter(registry, 'terrain_gossip_validations_total', 'Gossip messages validated, by result (accept = new, ignore = known, reject = invalid).', ['result'], () =>
    byKey('result', mesh.gossip.verdicts),
  )
  mirroredCounter(registry, 'terrain_sync_streams_total', 'Sync streams opened, by direction.', ['direction'], () => [
    [{ direction: 'in' }, mesh.sync.stats.streamsIn],
    [{ direction: 'out' }, mesh.sync.stats.streamsOut],
  ])
  mirroredCounter(registry, 'terrain_sync_frames_dropped_total', 'Outgoing sync frames dropped (no connection, full queue, stream failure).', [], () => [
    [{}, mesh.sync.stats.framesDropped],
  ])
  gauge(registry, 'terrain_onion_circuits', 'Onion circuits this peer relays or ends now.', () => circuits.hop.circuitCount)
  mirroredCounter(registry, 'terrain_onion_circuit_errors_total', 'Bad cells and failed circuits seen by this hop, by error code.', ['code'], () =>
    byKey('code', circuits.hop.errorCounts),
  )
  if (provider) {
    mirroredCounter(registry, 'terrain_inference_requests_total', 'Inference requests this provider served through circuits, by outcome.', ['outcome'], () => [
      [{ outcome: 'answered' }, provider.stats.requests - provider.stats.errors],
      [{ outcome: 'failed' }, provider.stats.errors],
    ])
  }
  return registry
}
