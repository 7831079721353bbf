/** Starts the event-log worker and wraps it with Comlink. */
import * as Comlink from 'comlink'
import type { LogWorkerApi } from '../workers/log-worker.js'

export function startLogWorker(): Comlink.Remote<LogWorkerApi> {
  const worker = new Worker(new URL('../workers/log-worker.ts', import.meta.url), { type: 'module', name: 'terrain-log' })
  return Comlink.wrap<LogWorkerApi>(worker)
}
