/**
 * `npm run sim`: the seeded simulators' figures. First the mesh: real
 * replicas (gossip, delta sync, validation with real signatures) over
 * simulated links; time is virtual, so latencies are network latencies,
 * independent of the machine. Then the real belief field and routing
 * against liars, cartels and a degrading provider, and what sybil
 * identities buy with and without probe tickets, each over several seeds
 * (median and worst), so no figure is one lucky draw. The belief runs go
 * to two child processes while this one runs the mesh.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import {
  BUILT_IN_ACCURACY,
  defaultBeliefSettings,
  defaultRuleBundle,
  epochsToGoodRouting,
  faultScenario,
  goodProviders,
  gossipScenario,
  meanFrom,
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

// The belief scenarios: the same lists in this process and in the children that run them.

const BELIEF_SEEDS = [7, 8, 9, 10, 11]
/** Set in a child process: the seeds it runs, comma-separated. */
const SEEDS_VARIABLE = 'TERRAIN_BELIEF_SIM_SEEDS'

const synthetic = syntheticProviders(20, 6)
const builtIn: SimProviderModel[] = [
  ...Array.from({ length: 5 }, () => ({ accuracy: BUILT_IN_ACCURACY['terrain-tiny'] })),
  ...Array.from({ length: 5 }, () => ({ accuracy: BUILT_IN_ACCURACY['terrain-micro'] })),
]
const base: BeliefSimOptions = { seed: 0, epochs: 12, providers: synthetic, honestProbers: 20, liars: 0, liarKind: 'random', targetsPerProber: 8, challengesPerTask: 4, requestsPerEpoch: 20_000 }
const withLiars = (o: BeliefSimOptions, fraction: number, liarKind: LiarKind): BeliefSimOptions => {
  const total = o.honestProbers + o.liars
  return { ...o, honestProbers: total - Math.round(total * fraction), liars: Math.round(total * fraction), liarKind }
}
const worst = 0 // syntheticProviders ascend in quality
const lockstep = 'in lockstep (identical lies)'
const ownDraws = 'each lie its own draw'

const populations = [['synthetic 20', synthetic], ['built-in 5 tiny + 5 micro', builtIn]] as const
const convergence: [string, BeliefSimOptions, string][] = [
  ['honest probers', base, ''],
  ['20% random liars', withLiars(base, 0.2, 'random'), '≤ 3'],
  ['40% random liars', withLiars(base, 0.4, 'random'), ''],
  [`20% liars promoting the worst, ${lockstep}`, withLiars(base, 0.2, 'promote-worst'), '≤ 3'],
  [`40% liars promoting the worst, ${lockstep}`, withLiars(base, 0.4, 'promote-worst'), ''],
  [`20% liars promoting the worst, ${ownDraws}`, withLiars(base, 0.2, 'promote-worst-sampled'), '≤ 3'],
  [`40% liars promoting the worst, ${ownDraws}`, withLiars(base, 0.4, 'promote-worst-sampled'), ''],
]
const degrading = synthetic.map((p, i) => (i === synthetic.length - 1 ? { ...p, degrade: { atEpoch: 6, to: Array(6).fill(0.2) as number[] } } : p))
const cartels: [number, LiarKind][] = [[3, 'promote-worst'], [6, 'promote-worst'], [3, 'promote-worst-sampled'], [6, 'promote-worst-sampled']]
/** A cartel's share is averaged from this epoch (1-based) to the last. */
const CARTEL_FROM = 3
/** Sybils from the first epoch, with and without tickets; then ticketed ones joining a world whose honest probers have earned trust. */
const sybils: { k: number; kind: LiarKind; ticketed: boolean; joinAt: number }[] = [
  ...(['promote-worst', 'promote-worst-sampled'] as const).flatMap((kind) => [5, 20, 200].flatMap((k) => [false, true].map((ticketed) => ({ k, kind, ticketed, joinAt: 1 })))),
  ...[20, 60, 200].map((k) => ({ k, kind: 'promote-worst-sampled' as const, ticketed: true, joinAt: 6 })),
]
const sybilWindows = [...new Set(sybils.map((x) => x.joinAt))]
/** Probers taking their targets from the probe lottery rather than 8 at random each; liars promoting the worst provider report on it whatever their draw. */
const byLottery = (o: BeliefSimOptions): BeliefSimOptions => ({ ...o, lottery: true })
const lotteryRuns: [string, BeliefSimOptions][] = [
  ['20 honest probers', byLottery(base)],
  ['60 honest probers', byLottery({ ...base, honestProbers: 60 })],
  ['20% random liars', byLottery(withLiars(base, 0.2, 'random'))],
]
/** Ticketed sybils from the first epoch beside the 20 honest probers, each lie its own draw, piling onto the worst provider. */
const lotterySybils = [20, 200]
/** Epochs over which report counts are averaged: the lottery has a count of probers from epoch 3 on. */
const COUNTED_FROM = 3

/** What one seed's runs yield; plain numbers, to cross process boundaries (null: never). */
interface SeedFigures {
  convergence: (number | null)[]
  degradation: { epochs: number | null; before: number }
  /** Per `cartels` entry: the worst provider's share, and the part of it that Thompson picks gave (the rest is exploration's uniform picks). */
  cartelShares: { share: number; byBelief: number }[]
  /** The worst provider's share and belief in the honest run, from each sybil joining epoch on. */
  honest: { share: number; mu: number }[]
  sybils: { share: number; mu: number }[]
  /** Per `lotteryRuns` entry: epochs to good routing, and reports made and heard on a provider an epoch. */
  lottery: { epochs: number | null; made: number; heard: number }[]
  /** The worst provider's share gained by each `lotterySybils` crowd, from epoch 1, beside the honest lottery run. */
  lotterySybils: number[]
}

/**
 * Options as a key: every field, object keys sorted, so equal options give one key however they were spread together
 * (providers by their accuracies and degradation; bigints, should any appear, by their digits).
 */
const optionsKey = (o: BeliefSimOptions): string =>
  JSON.stringify(o, (_, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    return v
  })

function figuresFor(seed: number): SeedFigures {
  // A run is deterministic for its options and seed: one that several figures read (the honest synthetic run, the honest lottery run) runs once.
  const runs = new Map<string, BeliefSimResult>()
  const run = (o: BeliefSimOptions): BeliefSimResult => {
    const options = { ...o, seed }
    const key = optionsKey(options)
    let r = runs.get(key)
    if (!r) {
      r = runBeliefSim(options)
      runs.set(key, r)
    }
    return r
  }
  const degraded = run({ ...base, providers: degrading })
  const last = degrading.length - 1
  const before = degraded.shares[4]![last]!
  const fallen = degraded.shares.slice(5).findIndex((s) => s[last]! <= before * 0.1)
  return {
    convergence: populations.flatMap(([, providers]) => convergence.map(([, o]) => epochsToGoodRouting(run({ ...o, providers }), 0.95) ?? null)),
    degradation: { epochs: fallen < 0 ? null : fallen + 1, before },
    cartelShares: cartels.map(([size, liarKind]) => {
      const r = run({ ...base, honestProbers: 20 - size, liars: size, liarKind })
      return { share: meanShare(r, worst, CARTEL_FROM), byBelief: meanFrom(r.thompsonShares, worst, CARTEL_FROM) }
    }),
    honest: sybilWindows.map((from) => ({ share: meanShare(run(base), worst, from), mu: meanFrom(run(base).mu, worst, from) })),
    sybils: sybils.map(({ k, kind, ticketed, joinAt }) => {
      const r = run({ ...base, liars: k, liarKind: kind, liarsTicketed: ticketed, liarsJoinAt: joinAt })
      return { share: meanShare(r, worst, joinAt), mu: meanFrom(r.mu, worst, joinAt) }
    }),
    lottery: lotteryRuns.map(([, o]) => {
      const r = run(o)
      return { epochs: epochsToGoodRouting(r, 0.95) ?? null, made: meanFrom(r.reports, 'made', COUNTED_FROM), heard: meanFrom(r.reports, 'heard', COUNTED_FROM) }
    }),
    lotterySybils: lotterySybils.map((k) => meanShare(run(byLottery({ ...base, liars: k, liarKind: 'promote-worst-sampled' })), worst, 1) - meanShare(run(lotteryRuns[0]![1]), worst, 1)),
  }
}

/** Runs `seeds` in a child process; resolves with their figures in order. */
function figuresInChild(seeds: number[]): Promise<SeedFigures[]> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, [SEEDS_VARIABLE]: seeds.join(',') } })
    let figures: SeedFigures[] | undefined
    child.on('message', (m) => (figures = m as SeedFigures[]))
    child.on('error', reject)
    child.on('exit', (code) => (figures && code === 0 ? resolve(figures) : reject(new Error(`belief simulation child for seeds ${seeds.join(',')} exited with ${code}`))))
  })
}

// Printing.

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
const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`
const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`
const pp = (x: number) => `${signed(x * 100, 2)} pp`

/** The median over seeds (the upper one of an even count) and the worst, by `worse`. */
function overSeeds(xs: number[], worse: 'higher' | 'lower'): { median: number; worst: number } {
  return { median: percentile(xs, 0.5), worst: percentile(xs, worse === 'higher' ? 1 : 0) }
}
const epochsText = (x: number) => (Number.isFinite(x) ? String(x) : `never in ${base.epochs}`)
/** Median, worst and per-seed cells for epoch counts (null, never, is the worst). */
function epochCells(xs: (number | null)[]): string[] {
  const finite = xs.map((x) => x ?? Number.POSITIVE_INFINITY)
  const { median, worst: w } = overSeeds(finite, 'higher')
  return [epochsText(median), epochsText(w), finite.map((x) => (Number.isFinite(x) ? String(x) : '—')).join(' ')]
}
function shareCells(xs: number[], format: (x: number) => string = (x) => pct(x)): string[] {
  const { median, worst: w } = overSeeds(xs, 'higher')
  return [format(median), format(w), xs.map((x) => format(x)).join(' ')]
}

async function main(): Promise<void> {
  const half = Math.ceil(BELIEF_SEEDS.length / 2)
  const beliefFigures = Promise.all([figuresInChild(BELIEF_SEEDS.slice(0, half)), figuresInChild(BELIEF_SEEDS.slice(half))]).then((parts) => parts.flat())

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

  const figures = await beliefFigures
  const explorationShare = (o: BeliefSimOptions) => defaultRuleBundle.explorationRate / o.providers.length
  /** The most a router can send to good providers: exploration goes anywhere. */
  const ceiling = (providers: readonly SimProviderModel[]) => {
    const good = goodProviders(providers.map(trueQuality)).filter(Boolean).length
    return 1 - defaultRuleBundle.explorationRate * (1 - good / providers.length)
  }

  // Each request reaches a provider by exploration with the floor's probability: over the cartel's epochs its share of them varies by this much (one sd).
  const cartelEpochs = `epochs ${CARTEL_FROM}–${base.epochs}`
  const cartelRequests = base.requestsPerEpoch * (base.epochs - CARTEL_FROM + 1)
  const floorSpread = Math.sqrt((explorationShare(base) * (1 - explorationShare(base))) / cartelRequests)
  const beliefRows: string[][] = [['scenario', 'population', 'figure', 'median', 'worst', `per seed (${BELIEF_SEEDS.join(', ')})`, 'goal']]
  populations.forEach(([population, providers], p) => {
    convergence.forEach(([name, , goal], c) => {
      const cells = epochCells(figures.map((f) => f.convergence[p * convergence.length + c]!))
      beliefRows.push([name, population, `epochs to ≥95% of requests on good providers (ceiling ${pct(ceiling(providers))})`, ...cells, goal])
    })
  })
  const before = percentile(figures.map((f) => f.degradation.before), 0.5)
  beliefRows.push(['the best provider degrades at epoch 6', 'synthetic 20', `epochs until its share falls 90% (from a median ${pct(before)})`, ...epochCells(figures.map((f) => f.degradation.epochs)), '≤ 2'])
  cartels.forEach(([size, kind], c) => {
    const how = kind === 'promote-worst' ? lockstep : ownDraws
    const name = `cartel of ${size} vouching for the worst provider, ${how}`
    const goal = size < defaultRuleBundle.minDiverseProbers ? '0 (floor only)' : ''
    beliefRows.push([name, 'synthetic 20', `its share, ${cartelEpochs} (exploration floor ${pct(explorationShare(base))} ± ${pct(floorSpread)})`, ...shareCells(figures.map((f) => f.cartelShares[c]!.share)), ''])
    beliefRows.push([name, 'synthetic 20', 'of it, picked by Thompson sampling (beyond the floor)', ...shareCells(figures.map((f) => f.cartelShares[c]!.byBelief), (x) => pct(x, 3)), goal])
  })
  console.log(`\nBelief field and routing: real BeliefField + Thompson routing over ${BELIEF_SEEDS.length} seeds; good = quality within 10% of the best; each prober probes 8 providers at random\n`)
  printTable(beliefRows)

  // Sybils: k fresh identities promoting the worst provider beside the honest probers. A ticket costs its identity
  // expectedEvaluations scrypt evaluations each epoch; an identity's key pair costs no scrypt at all (one Ed25519 key
  // generation, negligible beside one evaluation), so unticketed sybils are counted as spending nothing.
  const perTicket = expectedEvaluations(defaultTicketSettings)
  const floor = explorationShare(base)
  const sybilRows: string[][] = [[`sybils beside ${base.honestProbers} honest ticketed probers`, 'lies', 'tickets', 'from epoch', 'scrypt evaluations an epoch', 'share gained, median', 'worst', 'per seed', 'belief (mu) shift, median', 'share gained per 1,000 evaluations an epoch']]
  sybils.forEach(({ k, kind, ticketed, joinAt }, i) => {
    const window = sybilWindows.indexOf(joinAt)
    const gained = figures.map((f) => f.sybils[i]!.share - f.honest[window]!.share)
    const median = percentile(gained, 0.5)
    const muShift = percentile(figures.map((f) => f.sybils[i]!.mu - f.honest[window]!.mu), 0.5)
    const evaluations = ticketed ? k * perTicket : 0
    const perThousand = evaluations > 0 ? `${signed((median * 100) / (evaluations / 1000), 3)} pp` : median > floor ? 'unbounded: gained for free' : 'none gained, none spent'
    sybilRows.push([String(k), kind === 'promote-worst' ? lockstep : ownDraws, ticketed ? 'yes' : 'no', String(joinAt), evaluations.toLocaleString('en'), ...shareCells(gained, pp), signed(muShift, 3), perThousand])
  })
  const lotteryRows: string[][] = [['probers by the probe lottery', 'figure', 'median', 'worst', `per seed (${BELIEF_SEEDS.join(', ')})`, `reports made on a provider an epoch (epochs ${COUNTED_FROM}–${base.epochs}, median)`, 'heard']]
  lotteryRuns.forEach(([name], i) => {
    const made = percentile(figures.map((f) => f.lottery[i]!.made), 0.5)
    const heard = percentile(figures.map((f) => f.lottery[i]!.heard), 0.5)
    lotteryRows.push([name, 'epochs to ≥95% of requests on good providers', ...epochCells(figures.map((f) => f.lottery[i]!.epochs)), made.toFixed(1), heard.toFixed(1)])
  })
  lotterySybils.forEach((k, i) => {
    lotteryRows.push([`${k} ticketed sybils beside 20 honest, promoting the worst (${ownDraws}) whatever their draw`, 'the worst provider’s share gained, epochs 1–12', ...shareCells(figures.map((f) => f.lotterySybils[i]!), pp), '', ''])
  })
  console.log(`\nProbe lottery: a prober probes a provider when its keyed draw is below maxProbeRedundancy (${defaultRuleBundle.maxProbeRedundancy}) ÷ the probers counted two epochs back`)
  console.log(`(every provider before there is a count); routers hear at most maxProbeRedundancy reports a provider, established probers first, by lot among equals. Synthetic 20 providers.\n`)
  printTable(lotteryRows)

  const honestShare = percentile(figures.map((f) => f.honest[0]!.share), 0.5)
  console.log(`\nSybils: fresh identities reporting the worst provider as perfect (and the rest truthfully), from epoch 1 or joining at epoch 6; shares from then on.`)
  console.log(`In an epoch, all probers without a ticket together are one voice, and identical reports are one voice; a ticketed identity starts at trust ${defaultBeliefSettings.ticketedTrust}`)
  console.log(`and earns more only in ticketed epochs. A ticket takes ${perTicket} scrypt evaluations on average (N=${defaultTicketSettings.costN}, r=${defaultTicketSettings.blockSizeR}, p=${defaultTicketSettings.parallelismP}, ${defaultTicketSettings.difficultyBits} bits), again each epoch;`)
  console.log(`an identity's key pair is counted as free. The ${base.honestProbers} honest probers spend ${(base.honestProbers * perTicket).toLocaleString('en')} evaluations an epoch; in honest runs the worst provider gets a median ${pct(honestShare)} (the exploration floor is ${pct(floor)}).\n`)
  printTable(sybilRows)
}

if (process.env[SEEDS_VARIABLE] !== undefined) {
  const seeds = process.env[SEEDS_VARIABLE].split(',').map(Number)
  process.send!(seeds.map(figuresFor), () => process.exit(0))
} else {
  await main()
}
