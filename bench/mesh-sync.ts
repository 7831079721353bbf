/**
 * Delta sync over the real network: a relay process seeded with N signed
 * events, a fresh browser page pulling them from it over WebSockets, and a
 * second fresh page pulling them from the first over WebRTC (signalled
 * through a relay that keeps no log, once the replicating one is gone, so
 * nothing else can serve them). Also the JS heap of a page that holds them,
 * and the bound the syncs are compared with, measured around each.
 */
import type { Browser, Page } from '@playwright/test'
import { EventLog, MemoryEventStore, createWorld } from '../core/index.js'
import { signedEvents, startMeshClient } from '../test/relay/support/mesh-client.js'
import { cleanupRelays, startRelay, until } from '../test/relay/support/relay-process.js'
import { measureHeap } from './heap.js'
import { hasDirect, meshPeerId, openMeshPage } from '../test/e2e/support/mesh-page.js'

export interface MeshSyncFigures {
  events: number
  relayIngestSeconds: number
  relayToBrowserSeconds: number
  /** From B's page being up to its WebRTC connection to A (discovery through the signal-only relay, then the dial). */
  browserConnectSeconds: number
  /** From that connection to B holding every event. */
  browserToBrowserSeconds: number
  heapBytes: number | undefined
  /**
   * The sync bound (the slower of raw validation and raw IndexedDB writes, in
   * events/s) measured before the first sync, between the two, and after the
   * second: each sync is compared with the mean of the two beside it.
   */
  bounds: [number, number, number]
}

const openPage = (browser: Browser, url: string, relays?: string[]) => openMeshPage(browser, url, { relays, timeoutMs: 60_000, failOnPageError: false })

/** Seconds until the page's log holds `count` events, printing progress. */
async function timeUntilHolds(page: Page, count: number, label: string, log: (text: string) => void): Promise<number> {
  const started = performance.now()
  let lastShown = 0
  await until(
    label,
    async () => {
      const held = await page.evaluate(async () => (await (await window.terrain.mesh).logStatus()).events)
      if (held - lastShown >= count / 10) {
        lastShown = held
        log(`${label}: ${held.toLocaleString('en-US')} of ${count.toLocaleString('en-US')}`)
      }
      return held >= count ? true : undefined
    },
    30 * 60_000,
  )
  return (performance.now() - started) / 1000
}

export async function runMeshSync(
  browser: Browser,
  count: number,
  measureBound: () => Promise<number>,
  log: (text: string) => void,
): Promise<MeshSyncFigures> {
  const world = await createWorld('quiet harbor lantern')
  try {
    const replicating = await startRelay({ antiEntropyMs: 2_000 })
    const signalOnly = await startRelay({ replicate: false })

    log(`signing ${count.toLocaleString('en-US')} events`)
    const seed = await startMeshClient(world, new MemoryEventStore())
    const seedLog = new EventLog(world.id, seed.store)
    for (const e of await signedEvents(world, count, 5)) await seedLog.author(e)
    const ingestStarted = performance.now()
    await seed.dial(replicating.multiaddr) // the relay pulls everything on connect
    await until('relay ingest', async () => ((await replicating.health()).events >= count ? true : undefined), 30 * 60_000)
    const relayIngestSeconds = (performance.now() - ingestStarted) / 1000
    await seed.stop()
    log(`relay stored ${count.toLocaleString('en-US')} events in ${relayIngestSeconds.toFixed(1)} s`)

    const boundBefore = await measureBound()
    const a = await openPage(browser, replicating.url, [replicating.multiaddr, signalOnly.multiaddr])
    const relayToBrowserSeconds = await timeUntilHolds(a, count, 'relay → fresh page', log)
    const boundBetween = await measureBound()
    // The replicating relay goes, so that only A can serve B: B would otherwise reach it through A's circuit
    // address there and pull everything from both.
    await replicating.kill('SIGTERM')
    const b = await openPage(browser, signalOnly.url)
    const connectStarted = performance.now()
    const aPeerId = await meshPeerId(a)
    await until('B to connect to A over WebRTC', async () => ((await hasDirect(b, aPeerId)) ? true : undefined), 60_000)
    const browserConnectSeconds = (performance.now() - connectStarted) / 1000
    const browserToBrowserSeconds = await timeUntilHolds(b, count, 'page → fresh page over WebRTC', log)
    const boundAfter = await measureBound()
    const heapBytes = await measureHeap(b)
    return {
      events: count,
      relayIngestSeconds,
      relayToBrowserSeconds,
      browserConnectSeconds,
      browserToBrowserSeconds,
      heapBytes,
      bounds: [boundBefore, boundBetween, boundAfter],
    }
  } finally {
    await cleanupRelays()
  }
}
