/**
 * `window.terrain`: the page's handle for scripts and end-to-end tests.
 */
export interface TerrainPageApi {
  /** Resolves once the worker has answered and the first WorldId is shown; rejects if the worker fails to start. */
  readonly ready: Promise<void>
  /** The hex WorldId of `phrase` under the default rules, computed in the worker. */
  worldId(phrase: string): Promise<string>
}

declare global {
  interface Window {
    terrain: TerrainPageApi
  }
}

export function exposeTerrain(api: TerrainPageApi): void {
  window.terrain = Object.freeze(api)
}
