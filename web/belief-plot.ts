/**
 * One provider's belief over time as an SVG plot: mu as a line inside its
 * ±1 sigma band, the epoch's robust aggregate as dots, and disagreement as
 * a thin line along the bottom, all on a [0, 1] scale.
 */
import type { BeliefPointView } from '../workers/router-worker.js'

const W = 320
const H = 120
const PAD = 6
const SVG = 'http://www.w3.org/2000/svg'

function element(name: string, attributes: Record<string, string>): SVGElement {
  const e = document.createElementNS(SVG, name)
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v)
  return e
}

export function beliefPlot(history: readonly BeliefPointView[], label: string): SVGSVGElement {
  const svg = element('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'belief-plot' }) as SVGSVGElement
  const title = element('title', {})
  title.textContent = label
  svg.append(title, element('rect', { x: '0', y: '0', width: String(W), height: String(H), class: 'plot-frame' }))
  if (history.length === 0) return svg
  const x = (i: number) => PAD + (history.length === 1 ? (W - 2 * PAD) / 2 : (i * (W - 2 * PAD)) / (history.length - 1))
  const y = (v: number) => H - PAD - Math.max(0, Math.min(1, v)) * (H - 2 * PAD)
  const upper = history.map((p, i) => `${x(i)},${y(p.mu + p.sigma)}`)
  const lower = history.map((p, i) => `${x(i)},${y(p.mu - p.sigma)}`).reverse()
  svg.append(
    element('line', { x1: String(PAD), x2: String(W - PAD), y1: String(y(0.5)), y2: String(y(0.5)), class: 'plot-grid' }),
    element('polygon', { points: [...upper, ...lower].join(' '), class: 'plot-band' }),
    element('polyline', { points: history.map((p, i) => `${x(i)},${y(p.mu)}`).join(' '), class: 'plot-mu' }),
    element('polyline', { points: history.map((p, i) => `${x(i)},${y(p.disagreement)}`).join(' '), class: 'plot-disagreement' }),
  )
  history.forEach((p, i) => {
    if (p.aggregate !== undefined) svg.append(element('circle', { cx: String(x(i)), cy: String(y(p.aggregate)), r: '2.5', class: 'plot-aggregate' }))
  })
  return svg
}
