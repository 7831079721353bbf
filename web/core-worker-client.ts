/**
 * Starts the protocol core's dedicated module worker and wraps it with Comlink.
 */
import * as Comlink from 'comlink'
import type { CoreWorkerApi } from '../workers/core-worker.js'

export interface CoreWorker {
  readonly api: Comlink.Remote<CoreWorkerApi>
  /**
   * Rejects when the worker reports an error event (e.g. its script failed
   * to load). Comlink calls never settle in that case, so race them with this.
   */
  readonly failed: Promise<never>
}

export function startCoreWorker(): CoreWorker {
  const worker = new Worker(new URL('../workers/core-worker.ts', import.meta.url), { type: 'module', name: 'terrain-core' })
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => reject(new Error(event.message || 'the core worker could not load its script')), {
      once: true,
    })
  })
  // Only the start-up race observes this; a later worker error must not surface as an unhandled rejection.
  failed.catch(() => undefined)
  return { api: Comlink.wrap<CoreWorkerApi>(worker), failed }
}
