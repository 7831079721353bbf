/**
 * A validation worker: checks packed batches of encoded events (ids,
 * signatures, world and epoch) so that the log worker can store one batch
 * while the next is being verified here.
 */
import * as Comlink from 'comlink'
import { validateRecordsBytes, type RejectionReport } from '../core/index.js'
import { unpackEvents, type PackedEvents } from './packed-events.js'

const api = {
  async validate(packed: PackedEvents, world: Uint8Array, epochs?: { min: bigint; max: bigint }): Promise<(RejectionReport | undefined)[]> {
    return validateRecordsBytes(unpackEvents(packed), { world, ...(epochs ? { epochs } : {}) })
  },
}

export type ValidationWorkerApi = typeof api
Comlink.expose(api)
