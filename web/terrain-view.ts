/**
 * The Terrain section: joining the control plane, and this router's local
 * view of the world: each provider's belief over time (plot), its
 * disagreement and quarantine, the evidence behind it down to the signed
 * events, prober trust, disputes and what was refused.
 */
import type { RouterSnapshot } from '../workers/router-worker.js'
import { beliefPlot } from './belief-plot.js'
import type { ControlPlane } from './control-plane.js'
import { byId, percent, row, short } from './dom.js'

const REFRESH_MS = 2_000

function providerCard(p: RouterSnapshot['providers'][number], evidence: RouterSnapshot['evidence'], open: boolean): HTMLElement {
  const card = document.createElement('article')
  card.className = 'provider-belief'
  card.dataset.provider = p.providerKey
  const heading = document.createElement('h3')
  heading.textContent = `${p.model} · provider ${short(p.providerKey)} · local handle ${p.handle}`
  const facts = document.createElement('p')
  facts.className = 'hint'
  const state = p.quarantined ? 'quarantined (probers disagree too much)' : p.heldForDiversity ? 'promotion held: too few distinct probers' : 'routable'
  facts.textContent = `mu ${p.mu.toFixed(3)} ± ${p.sigma.toFixed(3)}, trend ${p.trend >= 0 ? '+' : ''}${p.trend.toFixed(3)}/epoch, disagreement ${percent(p.disagreement)}, ${p.reports} reports from ${p.groups} prober groups: ${state}`
  const mine = evidence.filter((e) => e.providerKey === p.providerKey)
  const details = document.createElement('details')
  details.open = open
  const summary = document.createElement('summary')
  summary.textContent = `evidence: ${mine.filter((e) => e.kind === 'attestation').length} attestations, ${mine.filter((e) => e.kind === 'receipt').length} receipts`
  const list = document.createElement('ul')
  for (const e of mine.filter((x) => x.kind === 'attestation')) {
    const item = document.createElement('li')
    const m = e.metrics!
    item.textContent = `epoch ${e.epoch}: attestation ${short(e.eventId)} by prober ${short(e.prober)}: success ${percent(m.successRate)}, robustness ${percent(m.robustnessScore)}, tool fidelity ${percent(m.toolFidelity)}, p50 ${m.latencyP50Ms} ms`
    list.append(item)
  }
  details.append(summary, list)
  card.append(heading, beliefPlot(p.history, `belief about ${p.model} over the last ${p.history.length} epochs`), facts, details)
  return card
}

export function bindTerrain(control: ControlPlane): void {
  const form = byId<HTMLFormElement>('terrain-join')
  const key = byId<HTMLInputElement>('terrain-key')
  const state = byId<HTMLElement>('terrain-state')
  const providers = byId<HTMLElement>('terrain-providers')
  const probers = byId<HTMLTableElement>('terrain-probers')
  const disputes = byId<HTMLUListElement>('terrain-disputes')
  const rejections = byId<HTMLElement>('terrain-rejections')
  form.querySelector('button')!.disabled = false

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    control.join(key.value.trim()).then(
      () => void refresh(),
      (e: unknown) => (state.textContent = `not joined: ${e instanceof Error ? e.message : String(e)}`),
    )
  })

  const refresh = async () => {
    const s = await control.snapshot()
    state.textContent = s.inControlPlane
      ? `epoch ${s.epoch}: in the control plane; routing by belief over ${s.providers.length} providers (plots: mu with its ±sigma band, dots the epoch's robust aggregate, the lower line disagreement)`
      : `epoch ${s.epoch}: outside the control plane; routing uniformly over ${s.providers.length} providers`
    // Redrawn every refresh: a drill-down the reader opened stays open.
    const open = new Set([...providers.querySelectorAll<HTMLElement>('.provider-belief')].filter((card) => card.querySelector('details')?.open).map((card) => card.dataset.provider))
    providers.replaceChildren(...s.providers.map((p) => providerCard(p, s.evidence, open.has(p.providerKey))))
    probers.tBodies[0]!.replaceChildren(...s.probers.map((p) => row([short(p.prober), p.trust.toFixed(2), p.ticketed ? 'yes' : 'no', p.lastError === undefined ? '–' : p.lastError.toFixed(3), String(p.group)])))
    disputes.replaceChildren(
      ...s.disputes.map((d) => {
        const li = document.createElement('li')
        li.textContent = `epoch ${d.epoch}: ${short(d.eventA)} vs ${short(d.eventB)} (${d.reason}), raised by ${d.by === 'this router' ? d.by : short(d.by)}`
        return li
      }),
    )
    const refused = Object.entries(s.rejections)
    rejections.textContent = refused.length ? `evidence refused: ${refused.map(([k, v]) => `${k} ${v}`).join(', ')}` : ''
  }
  void refresh()
  setInterval(() => void refresh(), REFRESH_MS)
}
