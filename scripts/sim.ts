/**
 * `npm run sim`: the seeded mesh simulator's figures. Real replicas (gossip,
 * delta sync, validation with real signatures) over simulated links; time
 * is virtual, so latencies are network latencies, independent of the machine.
 */
import { runMeshSim, type MeshSimOptions, type MeshSimResult } from '../core/index.js'

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

const ms = (x: number) => (Number.isNaN(x) ? '—' : `${Math.round(x)} ms`)
const pct = (x: number) => `${(x * 100).toFixed(2)}%`

const gossip: MeshSimOptions = {
  seed: 1,
  replicas: 1000,
  degree: 3,
  link: { latencyMs: 20, jitterMs: 0, loss: 0 },
  events: 20,
  publishPeriodMs: 10_000,
  churn: 0,
  churnPeriodMs: 2_000,
  partitions: 0,
  partitionMs: 0,
  antiEntropyMs: 2_000,
  settleMs: 30_000,
  adversaries: 0,
}

const scenarios: [string, MeshSimOptions][] = [
  ['1000 replicas, 20 ms links', gossip],
  ['1000 replicas, 20 ms links, 20% churn', { ...gossip, churn: 0.2 }],
  [
    '100 replicas, 3 partitions, 20% churn, 2% loss, 4 adversaries',
    { ...gossip, seed: 7, replicas: 100, degree: 2, link: { latencyMs: 20, jitterMs: 20, loss: 0.02 }, events: 30, publishPeriodMs: 20_000, churn: 0.2, partitions: 3, partitionMs: 4_000, antiEntropyMs: 1_000, settleMs: 40_000, adversaries: 4 },
  ],
]

console.log('Terrain mesh simulator: gossip push + delta-sync anti-entropy, real validation, virtual time\n')
const rows: string[][] = [['scenario', 'events', 'gossip P50', 'gossip P95', 'delivered while publishing', 'delivered after anti-entropy', 'last delivery at', 'bad stored', 'wall']]
for (const [name, options] of scenarios) {
  const started = performance.now()
  const r: MeshSimResult = await runMeshSim(options)
  rows.push([
    name,
    String(r.published),
    ms(percentile(r.gossipLatencies, 0.5)),
    ms(percentile(r.gossipLatencies, 0.95)),
    pct(r.deliveredBeforeSettle),
    pct(r.deliveredFinal),
    r.converged ? ms(r.lastDeliveryMs) : 'NOT CONVERGED',
    `${r.badStored} of ${r.injected} injected`,
    `${((performance.now() - started) / 1000).toFixed(1)} s`,
  ])
  if (r.catchUpLatencies.length) {
    console.log(`${name}: ${r.catchUpLatencies.length} catch-up deliveries to replicas offline at publish, median ${ms(percentile(r.catchUpLatencies, 0.5))}`)
  }
  if (Object.keys(r.rejections).length) console.log(`${name}: rejections ${JSON.stringify(r.rejections)}`)
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
console.log()
for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '))
