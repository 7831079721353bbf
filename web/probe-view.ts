/**
 * The Probe section: probe every provider each epoch (with an optional
 * ticket), with progress, and a table of what this volunteer measured and
 * signed: per epoch and provider the metrics, the receipts and the
 * attestation that commits to them.
 */
import { epochAt } from '../core/index.js'
import type { ProbeEpochSummary, ProbeProgressView } from '../workers/prober-worker.js'
import type { ControlPlane } from './control-plane.js'
import { byId, percent, row, short } from './dom.js'

export function bindProbe(control: ControlPlane, epochMs: number): void {
  const start = byId<HTMLButtonElement>('probe-start')
  const ticket = byId<HTMLInputElement>('probe-ticket')
  const progress = byId<HTMLProgressElement>('probe-progress')
  const status = byId<HTMLElement>('probe-status')
  const error = byId<HTMLElement>('probe-error')
  const table = byId<HTMLTableElement>('probe-results')
  start.disabled = false
  const epochRule = { epochLenMs: BigInt(epochMs) }
  let running = false
  let lastEpoch = ''

  const show = (p: ProbeProgressView) => {
    progress.hidden = false
    progress.max = p.total
    progress.value = p.done
    status.textContent =
      p.phase === 'ticket'
        ? `minting a probe ticket: ${p.done} of about ${p.total} scrypt evaluations`
        : p.stoppedAtDeadline
          ? `stopped at the epoch's deadline: ${p.done} of ${p.total} probes asked; signing`
          : `probe ${p.done} of ${p.total} sent through a circuit`
  }
  const record = (summary: ProbeEpochSummary) => {
    table.hidden = false
    for (const t of summary.targets) {
      const m = t.metrics
      table.tBodies[0]!.prepend(
        row([summary.epoch, `${t.model} ${short(t.providerKey)}`, short(t.targetRef), `${t.correct}/${t.probes}`, percent(m.successRate), percent(m.robustnessScore), percent(m.toolFidelity), percent(m.refusalConsistency), `${m.latencyP50Ms} / ${m.latencyP95Ms} ms`, String(t.receipts), short(t.attestationId)]),
      )
    }
    const ticketText = summary.ticketEvaluations === undefined ? '' : `, ticket after ${summary.ticketEvaluations} evaluations`
    const lotteryText = summary.unassigned ? `; ${summary.unassigned} providers left to other probers by the probe lottery` : ''
    const stopped = summary.stoppedAtDeadline
    const deadlineText = stopped ? `; stopped at the epoch's deadline with ${stopped.asked} of ${stopped.total} probes asked (slow answers), ${summary.unfinished} providers left unattested` : ''
    status.textContent = `epoch ${summary.epoch}: signed and published ${summary.events.length} events (${summary.targets.length} attestations${summary.linkHints ? `, ${summary.linkHints} link hints` : ''}${ticketText})${lotteryText}${deadlineText}`
  }

  const loop = async () => {
    while (running) {
      const epoch = epochAt(epochRule, Date.now()).toString()
      if (epoch !== lastEpoch) {
        try {
          error.hidden = true
          record(await control.probeEpoch({ ticket: ticket.checked }, show))
          lastEpoch = epoch
        } catch (e) {
          error.textContent = e instanceof Error ? e.message : String(e)
          error.hidden = false
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000))
    }
  }
  start.addEventListener('click', () => {
    running = !running
    start.textContent = running ? 'Stop probing' : 'Probe every epoch'
    if (running) void loop()
    else status.textContent = 'stopped after the current epoch'
  })
}
