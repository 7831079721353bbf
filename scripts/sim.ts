/**
 * `npm run sim`: the seeded mesh simulator's figures. Real replicas (gossip,
 * delta sync, validation with real signatures) over simulated links; time
 * is virtual, so latencies are network latencies, independent of the machine.
 */
import { faultScenario, gossipScenario, runMeshSim, type MeshSimOptions, type MeshSimResult } from '../core/index.js'

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

const ms = (x: number) => (Number.isNaN(x) ? '—' : `${Math.round(x)} ms`)
const pct = (x: number) => `${(x * 100).toFixed(2)}%`

const scenarios: [string, MeshSimOptions][] = [
  ['1000 replicas, 20 ms links', gossipScenario],
  ['1000 replicas, 20 ms links, 20% churn', { ...gossipScenario, churn: 0.2 }],
  ['100 replicas, 3 partitions, 20% churn, 2% loss, 4 adversaries', faultScenario],
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
