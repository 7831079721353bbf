/**
 * The log worker hands control-plane records to the router worker: what it
 * held at start as a replay (taken whatever its epoch), what arrived since
 * as new evidence (judged by its epoch), even when it arrived before the
 * router connected.
 */
import * as Comlink from 'comlink'
import { afterEach, describe, expect, it } from 'vitest'
import { createSigner, createWorld, encodeEvent, sampleAttestationEvent } from '../../core/index.js'
import { worldRules } from '../../core/rule-bundle.js'
import type { LogWorkerApi } from '../../workers/log-worker.js'
import type { RouterWorkerApi } from '../../workers/router-worker.js'

const EPOCH_MS = 10_000
const workers: Worker[] = []

function start<T>(url: URL): Comlink.Remote<T> {
  const worker = new Worker(url, { type: 'module' })
  workers.push(worker)
  return Comlink.wrap<T>(worker)
}

async function startRouter(phrase: string, log: Comlink.Remote<LogWorkerApi>, seed: Uint8Array): Promise<Comlink.Remote<RouterWorkerApi>> {
  const router = start<RouterWorkerApi>(new URL('../../workers/router-worker.ts', import.meta.url))
  await router.start(phrase, EPOCH_MS, seed, '')
  const channel = new MessageChannel()
  await router.listen(Comlink.transfer(channel.port1, [channel.port1]))
  await log.connectRouter(Comlink.transfer(channel.port2, [channel.port2]))
  return router
}

afterEach(() => {
  for (const w of workers.splice(0)) w.terminate()
})

describe('log to router handoff', () => {
  it('judges evidence stored before the router connected as new, and replays it after a restart', async () => {
    const phrase = `handoff test ${crypto.getRandomValues(new Uint32Array(1))[0]}`
    const world = await createWorld(phrase, worldRules(EPOCH_MS))
    // Evidence of epoch 1, long closed: whoever signs it, no router takes it as new.
    const ancient = encodeEvent(await sampleAttestationEvent(world.id, await createSigner(new Uint8Array(32).fill(4)), 0, 1n))

    const log = start<LogWorkerApi>(new URL('../../workers/log-worker.ts', import.meta.url))
    const { seed } = await log.open(phrase, EPOCH_MS)
    await log.publishRecords([ancient]) // stored after the log opened, before any router connected
    const router = await startRouter(phrase, log, seed)
    expect((await router.snapshot()).rejections['out-of-epoch']).toBe(1)

    // A restart: the record is now part of the log's history, replayed and held, not refused on its epoch.
    for (const w of workers.splice(0)) w.terminate()
    const reopened = start<LogWorkerApi>(new URL('../../workers/log-worker.ts', import.meta.url))
    await reopened.open(phrase, EPOCH_MS)
    const replayed = await startRouter(phrase, reopened, seed)
    expect((await replayed.snapshot()).rejections['out-of-epoch']).toBeUndefined()
  })
})
