/**
 * `npm run sim`: the seeded simulators' figures. First the mesh: real
 * replicas (gossip, delta sync, validation with real signatures) over
 * simulated links; time is virtual, so latencies are network latencies,
 * independent of the machine. Then the real belief field and routing
 * against liars, cartels and a degrading provider, and what sybil
 * identities buy with and without probe tickets.
 */
import {
  BUILT_IN_ACCURACY,
  defaultBeliefSettings,
  defaultRuleBundle,
  epochsToGoodRouting,
  faultScenario,
  goodProviders,
  gossipScenario,
  meanShare,
  runBeliefSim,
  runMeshSim,
  syntheticProviders,
  trueQuality,
  type BeliefSimOptions,
  type BeliefSimResult,
  type LiarKind,
  type MeshSimOptions,
  type MeshSimResult,
  type SimProviderModel,
} from '../core/index.js'
import { defaultTicketSettings, expectedEvaluations } from '../core/probe/ticket-settings.js'

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

/** Columns padded to their widest cell. */
function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '))
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
console.log()
printTable(rows)

// The belief field and routing: the real BeliefField and chooseProvider against liars, cartels and a degrading provider.
const synthetic = syntheticProviders(20, 6)
const builtIn: SimProviderModel[] = [
  ...Array.from({ length: 5 }, () => ({ accuracy: BUILT_IN_ACCURACY['terrain-tiny'] })),
  ...Array.from({ length: 5 }, () => ({ accuracy: BUILT_IN_ACCURACY['terrain-micro'] })),
]
const base: BeliefSimOptions = { seed: 7, epochs: 12, providers: synthetic, honestProbers: 20, liars: 0, liarKind: 'random', targetsPerProber: 8, challengesPerTask: 4, requestsPerEpoch: 20_000 }
const liars = (o: BeliefSimOptions, fraction: number, liarKind: LiarKind): BeliefSimOptions => {
  const total = o.honestProbers + o.liars
  return { ...o, honestProbers: total - Math.round(total * fraction), liars: Math.round(total * fraction), liarKind }
}
const explorationShare = (o: BeliefSimOptions) => defaultRuleBundle.explorationRate / o.providers.length
/** The most a router can send to good providers: exploration goes anywhere. */
const ceiling = (o: BeliefSimOptions) => {
  const good = goodProviders(o.providers.map(trueQuality)).filter(Boolean).length
  return 1 - defaultRuleBundle.explorationRate * (1 - good / o.providers.length)
}
const epochs = (x: number | undefined) => (x === undefined ? 'never in 12' : String(x))

const beliefRows: string[][] = [['scenario', 'population', 'figure', 'value', 'goal']]
const convergence: [string, BeliefSimOptions, string][] = [
  ['honest probers', base, ''],
  ['20% random liars', liars(base, 0.2, 'random'), '≤ 3'],
  ['40% random liars', liars(base, 0.4, 'random'), ''],
  ['20% coordinated liars promoting the worst', liars(base, 0.2, 'promote-worst'), '≤ 3'],
  ['40% coordinated liars promoting the worst', liars(base, 0.4, 'promote-worst'), ''],
]
for (const [population, providers] of [['synthetic 20', synthetic], ['built-in 5 tiny + 5 micro', builtIn]] as const) {
  for (const [name, options, goal] of convergence) {
    const o = { ...options, providers }
    const r = runBeliefSim(o)
    beliefRows.push([name, population, `epochs to ≥95% of requests on good providers (ceiling ${pct(ceiling(o))})`, epochs(epochsToGoodRouting(r, 0.95)), goal])
  }
}
{
  const providers = synthetic.map((p, i) => (i === synthetic.length - 1 ? { ...p, degrade: { atEpoch: 6, to: Array(6).fill(0.2) as number[] } } : p))
  const r = runBeliefSim({ ...base, providers })
  const before = r.shares[4]![providers.length - 1]!
  const after = r.shares.slice(5).findIndex((s) => s[providers.length - 1]! <= before * 0.1)
  beliefRows.push(['the best provider degrades at epoch 6', 'synthetic 20', `epochs until its share falls 90% (from ${pct(before)})`, after < 0 ? 'never' : String(after + 1), '≤ 2'])
}
for (const size of [3, 6]) {
  const o: BeliefSimOptions = { ...base, honestProbers: 20 - size, liars: size, liarKind: 'promote-worst' }
  const share = meanShare(runBeliefSim(o), 0, 3)
  beliefRows.push([`cartel of ${size} vouching for the worst provider`, 'synthetic 20', `its share of requests, epochs 3–12 (exploration floor ${pct(explorationShare(o))})`, pct(share), size < defaultRuleBundle.minDiverseProbers ? '≤ floor' : ''])
}
console.log('\nBelief field and routing: real BeliefField + Thompson routing, seeded; good = quality within 10% of the best\n')
printTable(beliefRows)

// Sybils: k fresh identities promoting the worst provider beside the honest probers, all without tickets or all with them.
// A ticket costs its identity expectedEvaluations scrypt evaluations each epoch; an identity's key pair costs no scrypt at all
// (one Ed25519 key generation, negligible beside one evaluation), so unticketed sybils are counted as spending nothing.
const worst = 0 // syntheticProviders ascend in quality
const meanMu = (r: BeliefSimResult) => r.mu.reduce((a, m) => a + m[worst]!, 0) / r.mu.length
const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`
const honestRun = runBeliefSim(base)
const perTicket = expectedEvaluations(defaultTicketSettings)
const sybils = [5, 20, 200].flatMap((k) =>
  [false, true].map((ticketed) => {
    const r = runBeliefSim({ ...base, liars: k, liarKind: 'promote-worst', liarsTicketed: ticketed })
    const share = meanShare(r, worst, 1)
    return { k, ticketed, share, gained: share - meanShare(honestRun, worst, 1), muShift: meanMu(r) - meanMu(honestRun), evaluations: ticketed ? k * perTicket : 0 }
  }),
)
const sybilRows: string[][] = [[`sybils beside ${base.honestProbers} honest ticketed probers`, 'tickets', 'scrypt evaluations an epoch', 'worst provider’s share, epochs 1–12', 'share gained', 'its belief (mu) shift', 'share gained per 1,000 evaluations an epoch']]
for (const x of sybils) {
  const perThousand = x.evaluations > 0 ? `${signed((x.gained * 100) / (x.evaluations / 1000), 3)} pp` : x.gained >= 0.01 ? 'unbounded: gained for free' : 'none gained, none spent'
  sybilRows.push([String(x.k), x.ticketed ? 'yes' : 'no', x.evaluations.toLocaleString('en'), pct(x.share), `${signed(x.gained * 100, 2)} pp`, signed(x.muShift, 3), perThousand])
}
const sybil = (k: number, ticketed: boolean) => sybils.find((x) => x.k === k && x.ticketed === ticketed)!
console.log(`\nSybils: fresh identities reporting the worst provider as perfect (and the rest truthfully). Without a ticket an identity starts at trust ${defaultBeliefSettings.untrustedTrust}, with one at ${defaultBeliefSettings.ticketedTrust};`)
console.log(
  `a ticket takes ${perTicket} scrypt evaluations on average (N=${defaultTicketSettings.costN}, r=${defaultTicketSettings.blockSizeR}, p=${defaultTicketSettings.parallelismP}, ${defaultTicketSettings.difficultyBits} bits), again each epoch;`,
)
console.log(`an identity's key pair is counted as free (one Ed25519 key generation, negligible beside one evaluation). Honest run: the worst provider gets ${pct(meanShare(honestRun, worst, 1))}.\n`)
printTable(sybilRows)
console.log(
  `\nAt equal numbers (20 sybils, as many as the honest probers): with tickets ${signed(sybil(20, true).gained * 100, 2)} pp for ${sybil(20, true).evaluations.toLocaleString('en')} evaluations an epoch, without ${signed(sybil(20, false).gained * 100, 2)} pp.`,
)
console.log(`Ten times as many identities without tickets (200): ${signed(sybil(200, false).gained * 100, 2)} pp, for no compute.`)
