/**
 * The prober worker: a volunteer's probing, off the page's thread. Each
 * epoch it probes the targets the probe lottery assigns it (drawn with the
 * key the router worker derives), draws the suite from a secret seed that
 * never leaves this worker, has the page send every challenge through an
 * ordinary circuit (the page owns the network), scores the answers,
 * optionally mints a probe ticket, and signs the receipts and attestations
 * the page then publishes.
 */
import * as Comlink from 'comlink'
import {
  createSigner,
  createWorld,
  encodeEvent,
  epochAt,
  fromHex,
  msUntilNextEpoch,
  mintTicket,
  runProbeEpoch,
  toHex,
  worldRules,
  type MetricsVector,
  type ProbeProgress,
  type ProbeTicket,
  type Signer,
  type World,
} from '../core/index.js'
import { keepErrorCodesAcrossComlink } from './error-transfer.js'

export interface ProbeTargetInput {
  providerKey: string
  model: string
  /** Hex TargetRef for the current epoch (from the router worker, which holds the control-plane key). */
  targetRef: string
}

/** The epoch's probe lottery from the router worker (which holds the control-plane key): the assignment key, hex, and the probers it expects. */
export interface ProbeAssignmentInput {
  key: string
  expectedProbers: number
}

export interface ProbeRunOptions {
  /** Mint a probe ticket for this epoch first (memory-hard work: routers weigh ticketed probers fully). */
  ticket: boolean
  /** Probe only the targets the lottery assigns this prober; undefined probes them all. */
  assignment?: ProbeAssignmentInput
  basesPerTask?: number
  /** Share of the epoch the probes spread over. */
  spreadShare?: number
}

export interface ProbedTarget {
  providerKey: string
  model: string
  targetRef: string
  metrics: MetricsVector
  correct: number
  probes: number
  receipts: number
  attestationId: string
}

export interface ProbeEpochSummary {
  epoch: string
  targets: ProbedTarget[]
  /** Targets the lottery left to other probers this epoch. */
  unassigned: number
  /** Targets left unattested: too little of their suite asked by the deadline. */
  unfinished: number
  /** Set when slow answers made the run stop at its deadline: how many of the probes were asked. */
  stoppedAtDeadline: { asked: number; total: number } | undefined
  linkHints: number
  ticketEvaluations: number | undefined
  /** Every signed event, encoded, for the page to publish. */
  events: Uint8Array[]
}

export type ProbeProgressView = ProbeProgress & { phase: 'ticket' | 'probing' }

let world: World | undefined
let signer: Signer | undefined
const secretSeed = crypto.getRandomValues(new Uint8Array(32))
const previousSuccess = new Map<string, number>()
let ticketOf: { epoch: bigint; ticket: ProbeTicket } | undefined

const api = {
  async start(worldPhrase: string, epochMs: number, seed: Uint8Array): Promise<void> {
    world = await createWorld(worldPhrase, worldRules(epochMs))
    signer = await createSigner(seed)
  },

  /** Probes every target once this epoch; `ask` sends a prompt to a provider over a circuit. */
  async runEpoch(
    targets: ProbeTargetInput[],
    ask: (providerKey: string, prompt: string) => Promise<string | undefined>,
    onProgress: (progress: ProbeProgressView) => void,
    options: ProbeRunOptions,
  ): Promise<ProbeEpochSummary> {
    if (!world || !signer) throw new Error('the prober is not started yet')
    const epoch = epochAt(world.rules, Date.now())
    let ticketEvaluations: number | undefined
    if (options.ticket && ticketOf?.epoch !== epoch) {
      const minted = await mintTicket({
        world: world.id,
        epoch,
        proberPubkey: signer.publicKey,
        onProgress: (done, total) => onProgress({ phase: 'ticket', done, total, last: undefined }),
      })
      ticketOf = { epoch, ticket: minted.ticket }
      ticketEvaluations = minted.evaluations
    }
    const result = await runProbeEpoch({
      world: world.id,
      rules: world.rules,
      epoch,
      secretSeed,
      targets: targets.map((t) => ({ providerKey: t.providerKey, targetRef: fromHex(t.targetRef), fah: undefined })),
      ...(options.assignment ? { assignment: { key: fromHex(options.assignment.key), expectedProbers: options.assignment.expectedProbers } } : {}),
      ask: (target, prompt) => ask(target.providerKey, prompt),
      signer,
      ticket: options.ticket ? ticketOf?.ticket : undefined,
      previousSuccess,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      withinMs: msUntilNextEpoch(world.rules, Date.now()),
      now: () => performance.now(),
      settings: { ...(options.basesPerTask ? { basesPerTask: options.basesPerTask } : {}), ...(options.spreadShare ? { spreadShare: options.spreadShare } : {}) },
      onProgress: (p) => onProgress({ ...p, phase: 'probing' }),
    })
    const byKey = new Map(targets.map((t) => [t.providerKey, t]))
    for (const r of result.results) previousSuccess.set(r.target.providerKey, r.metrics.successRate)
    return {
      epoch: epoch.toString(),
      targets: result.results.map((r) => ({
        providerKey: r.target.providerKey,
        model: byKey.get(r.target.providerKey)!.model,
        targetRef: toHex(r.target.targetRef),
        metrics: r.metrics,
        correct: r.outcomes.filter((o) => o.correct).length,
        probes: r.outcomes.length,
        receipts: r.receipts.length,
        attestationId: toHex(r.attestation.eventId),
      })),
      unassigned: result.unassigned.length,
      unfinished: result.unfinished.length,
      stoppedAtDeadline: result.stoppedAtDeadline,
      linkHints: result.linkHints.length,
      ticketEvaluations,
      events: result.events.map(encodeEvent),
    }
  },
}

export type ProberWorkerApi = typeof api
keepErrorCodesAcrossComlink()
Comlink.expose(api)
