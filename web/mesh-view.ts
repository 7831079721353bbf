/**
 * The mesh panel: this peer, its connections (relay, direct WebRTC, relayed),
 * the local event log and sync progress. Display only, refreshed on a timer.
 */
import type { LogStatus } from '../workers/log-worker.js'
import { byId } from './dom.js'
import type { ConnectionSummary, PeerMesh } from './peer-mesh.js'

export interface MeshSnapshot {
  peerId: string
  connections: ConnectionSummary[]
  log: LogStatus
  directDials: PeerMesh['directDials']
}

export interface MeshView {
  showOffline(reason: string): void
  show(snapshot: MeshSnapshot): void
  onEndorse(handler: () => void): void
  showEndorsed(text: string): void
}

export function meshView(): MeshView {
  const state = byId<HTMLElement>('mesh-state')
  const peer = byId<HTMLElement>('peer-id')
  const counts = byId<HTMLElement>('connection-counts')
  const list = byId<HTMLUListElement>('connection-list')
  const events = byId<HTMLElement>('log-size')
  const progress = byId<HTMLElement>('sync-progress')
  const recent = byId<HTMLOListElement>('recent-events')
  const endorse = byId<HTMLButtonElement>('endorse')
  const endorsed = byId<HTMLElement>('endorse-result')

  return {
    showOffline(reason) {
      state.textContent = `Not connected: ${reason}`
      state.dataset.state = 'offline'
      endorse.disabled = true
    },
    show(s) {
      const by = (kind: ConnectionSummary['kind']) => s.connections.filter((c) => c.kind === kind).length
      state.textContent = by('relay') > 0 ? 'Connected to the mesh' : 'Looking for a relay…'
      state.dataset.state = by('relay') > 0 ? 'online' : 'connecting'
      endorse.disabled = false
      peer.textContent = s.peerId
      const d = s.directDials
      const dials = d.attempts === 0 ? '' : ` · ${d.attempts} WebRTC dials, ${d.retries} retries, ${d.failures} failed${d.lastError ? ` (${d.lastError})` : ''}`
      counts.textContent = `${by('relay')} relay · ${by('direct')} direct (WebRTC) · ${by('relayed')} relayed${dials}`
      list.replaceChildren(
        ...s.connections.map((c) => {
          const item = document.createElement('li')
          item.dataset.kind = c.kind
          item.textContent = `${c.kind}: ${c.peer.slice(0, 16)}… via ${c.address}`
          return item
        }),
      )
      events.textContent = `${s.log.events.toLocaleString()} events from ${s.log.origins} origins`
      const rejected = Object.values(s.log.rejections).reduce((a, b) => a + b, 0)
      progress.textContent = `${s.log.syncRounds} sync rounds · ${s.log.framesIn} frames in, ${s.log.framesOut} out · ${rejected} rejected`
      recent.replaceChildren(
        ...s.log.recent.slice(0, 10).map((r) => {
          const item = document.createElement('li')
          item.textContent = `${r.id.slice(0, 16)}… from ${r.from === 'this peer' ? 'this peer' : `${r.from.slice(0, 12)}…`}`
          return item
        }),
      )
    },
    onEndorse(handler) {
      endorse.addEventListener('click', handler)
    },
    showEndorsed(text) {
      endorsed.textContent = text
    },
  }
}
