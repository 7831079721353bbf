/**
 * The circuit of an answer as a diagram: the client and each hop in order,
 * with what each one can know. A person checking their privacy would rather
 * see the path than read peer ids.
 */
import type { PathHopView } from '../relay-server/private-chat.js'

const SVG = 'http://www.w3.org/2000/svg'
const short = (id: string) => `…${id.slice(-6)}`

/** What a node at each position of the path can and cannot learn. */
export function knowledgeOf(role: 'client' | PathHopView['role'], hops: number): { knows: string; not: string } {
  switch (role) {
    case 'client':
      return { knows: 'the prompt, the whole path', not: '' }
    case 'entry':
      return { knows: 'your address', not: hops > 2 ? 'the prompt, the provider' : 'the prompt' }
    case 'middle':
      return { knows: 'its two neighbours', not: 'you, the prompt' }
    case 'exit':
      return { knows: 'the prompt and answer', not: 'who you are' }
  }
}

function node(tag: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const element = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v))
  if (text !== undefined) element.textContent = text
  return element
}

export function drawPath(svg: SVGSVGElement, self: string, path: readonly PathHopView[]): void {
  svg.replaceChildren()
  const stops = [{ label: 'You', id: self, role: 'client' as const }, ...path.map((h) => ({ label: h.role === 'exit' ? 'Provider' : h.role === 'entry' ? 'Entry' : 'Middle', id: h.peerId, role: h.role }))]
  const width = 640
  const step = width / stops.length
  const boxWidth = Math.min(130, step - 20)
  stops.forEach((stop, i) => {
    const x = i * step + (step - boxWidth) / 2
    const knowledge = knowledgeOf(stop.role, path.length)
    const group = node('g', { 'data-role': stop.role, 'data-peer': stop.id })
    group.append(
      node('rect', { x, y: 10, width: boxWidth, height: 50, rx: 8, fill: 'none', stroke: 'currentColor' }),
      node('text', { x: x + boxWidth / 2, y: 32, 'text-anchor': 'middle', 'font-weight': 600 }, stop.label),
      node('text', { x: x + boxWidth / 2, y: 50, 'text-anchor': 'middle' }, short(stop.id)),
      node('text', { x: x + boxWidth / 2, y: 85, 'text-anchor': 'middle' }, `knows: ${knowledge.knows}`),
    )
    if (knowledge.not) group.append(node('text', { x: x + boxWidth / 2, y: 103, 'text-anchor': 'middle' }, `not: ${knowledge.not}`))
    svg.append(group)
    if (i + 1 < stops.length) {
      const from = x + boxWidth
      const to = (i + 1) * step + (step - boxWidth) / 2
      svg.append(node('line', { x1: from + 2, y1: 35, x2: to - 6, y2: 35, stroke: 'currentColor', 'marker-end': 'url(#arrow)' }))
    }
  })
  const defs = node('defs', {})
  const marker = node('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' })
  marker.append(node('path', { d: 'M0,0 L10,5 L0,10 z', fill: 'currentColor' }))
  defs.append(marker)
  svg.prepend(defs)
  svg.append(node('text', { x: 10, y: 150 }, `Each cell is encrypted once per hop and padded to one fixed size, both ways.`))
}
