/**
 * Event validation on a pool of dedicated workers: a large batch is split
 * across them and checked in parallel with the caller's own work (the log
 * worker writes the previous batch to IndexedDB meanwhile). Small batches
 * (a pushed event) are checked in place, where a thread hop would only add
 * latency.
 */
import * as Comlink from 'comlink'
import { concatBytes, TerrainError, validateRecordsBytes, type BatchValidator, type BatchVerdicts, type Bytes32 } from '../core/index.js'
import { transferPacked } from './packed-events.js'
import type { ValidationWorkerApi } from './validation-worker.js'

export interface ValidationPoolSettings {
  /** Validation workers to start; a pool of 0 validates on the calling thread. */
  workers: number
  /** Batches smaller than this are validated on the calling thread. */
  minOffloadedBatch: number
}

export const defaultValidationPoolSettings: Readonly<ValidationPoolSettings> = Object.freeze({
  // One core stays with the caller, which stores; but at least two workers, so that on two cores a batch's checks
  // can use both while the caller waits on IndexedDB (a 50,000-event sync from a relay: 4-12% faster, three runs).
  workers: Math.max(2, Math.min(4, (globalThis.navigator?.hardwareConcurrency ?? 2) - 1)),
  minOffloadedBatch: 32,
})

export class ValidationPoolSettingsError extends TerrainError {
  constructor(detail: string) {
    super('invalid-setting', `validation pool setting ${detail}`)
  }
}

export function validateValidationPoolSettings(s: ValidationPoolSettings): ValidationPoolSettings {
  if (!Number.isInteger(s.workers) || s.workers < 0 || s.workers > 16) throw new ValidationPoolSettingsError('workers: must be an integer in [0, 16]')
  if (!Number.isInteger(s.minOffloadedBatch) || s.minOffloadedBatch < 1) throw new ValidationPoolSettingsError('minOffloadedBatch: must be an integer ≥ 1')
  return s
}

export function createValidationPoolSettings(overrides: Partial<ValidationPoolSettings> = {}): ValidationPoolSettings {
  return validateValidationPoolSettings({ ...defaultValidationPoolSettings, ...overrides })
}

type Context = { world: Bytes32; epochs?: { min: bigint; max: bigint } }

export class ValidationPool implements BatchValidator {
  private readonly workers: { worker: Worker; api: Comlink.Remote<ValidationWorkerApi> }[]
  private readonly settings: ValidationPoolSettings

  constructor(settings: Partial<ValidationPoolSettings> = {}) {
    this.settings = createValidationPoolSettings(settings)
    this.workers = Array.from({ length: this.settings.workers }, () => {
      const worker = new Worker(new URL('./validation-worker.ts', import.meta.url), { type: 'module', name: 'terrain-validation' })
      return { worker, api: Comlink.wrap<ValidationWorkerApi>(worker) }
    })
  }

  async validate(events: readonly Uint8Array[], context: Context): Promise<BatchVerdicts> {
    if (this.workers.length === 0 || events.length < this.settings.minOffloadedBatch) return validateRecordsBytes(events, context)
    const share = Math.ceil(events.length / this.workers.length)
    const parts = await Promise.all(
      this.workers.map(({ api }, i) => api.validate(transferPacked(events.slice(i * share, (i + 1) * share)), context.world, context.epochs)),
    )
    return parts.length === 1 ? parts[0]! : { faults: parts.flatMap((p) => p.faults), facts: concatBytes(...parts.map((p) => p.facts)) }
  }

  close(): void {
    for (const { worker, api } of this.workers) {
      api[Comlink.releaseProxy]()
      worker.terminate()
    }
  }
}
