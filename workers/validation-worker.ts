/**
 * A validation worker: checks packed batches of encoded events (ids,
 * signatures, world and epoch) so that the log worker can store one batch
 * while the next is being verified here.
 */
import * as Comlink from 'comlink'
import { validateRecordsBytes, type BatchVerdicts } from '../core/index.js'
import { unpackEvents, type PackedEvents } from './packed-events.js'

const api = {
  /** Verdicts with each valid record's id and origin, so the log worker does not decode the batch again. */
  async validate(packed: PackedEvents, world: Uint8Array, epochs?: { min: bigint; max: bigint }): Promise<BatchVerdicts> {
    const verdicts = await validateRecordsBytes(unpackEvents(packed), { world, ...(epochs ? { epochs } : {}) })
    return Comlink.transfer(verdicts, [verdicts.facts.buffer])
  },
}

export type ValidationWorkerApi = typeof api
Comlink.expose(api)
