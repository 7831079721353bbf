import type { JoinedMesh } from './join-mesh.js'

/**
 * `window.terrain`: the page's handle for scripts and end-to-end tests.
 */
export interface TerrainPageApi {
  /** Resolves once the worker has answered and the first WorldId is shown; rejects if the worker fails to start. */
  readonly ready: Promise<void>
  /** The hex WorldId of `phrase` under the default rules, computed in the worker. */
  worldId(phrase: string): Promise<string>
  /** The joined mesh: identity, connections, the local log; rejects when the page cannot join. */
  readonly mesh: Promise<JoinedMesh>
}

declare global {
  interface Window {
    terrain: TerrainPageApi
  }
}

export function exposeTerrain(api: TerrainPageApi): void {
  window.terrain = Object.freeze(api)
}
