/** Starts the provider's model worker and wraps it with Comlink. */
import * as Comlink from 'comlink'
import type { ProviderWorkerApi } from '../workers/provider-worker.js'

export interface ProviderWorker {
  readonly api: Comlink.Remote<ProviderWorkerApi>
  /** Rejects when the worker reports an error event (its script failed to load); Comlink calls never settle then. */
  readonly failed: Promise<never>
  /** Stops the worker and frees the model's memory. */
  terminate(): void
}

export function startProviderWorker(): ProviderWorker {
  const worker = new Worker(new URL('../workers/provider-worker.ts', import.meta.url), { type: 'module', name: 'terrain-provider' })
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => reject(new Error(event.message || 'the provider worker could not load its script')), { once: true })
  })
  // Only start-up races observe this; a later worker error must not surface as an unhandled rejection.
  failed.catch(() => undefined)
  return { api: Comlink.wrap<ProviderWorkerApi>(worker), failed, terminate: () => worker.terminate() }
}
