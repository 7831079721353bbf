/**
 * Continuous benchmarking end to end, with real processes and real pages:
 * two relays of a world with short epochs, two provider pages serving
 * built-in models of different quality, a prober page and a chat page, the
 * last two in the control plane. After a few epochs of probes (sent through
 * ordinary circuits), the chat page's router routes clearly more to the
 * better model, and the providers received nothing but ordinary requests
 * and sealed evidence they cannot read. A reload keeps the beliefs.
 */
import { randomBytes } from 'node:crypto'
import { expect, test, type Browser, type Page } from '@playwright/test'
import { cleanupRelays, freePort, startRelay, until, type RelayProcess } from '../relay/support/relay-process.js'
import { openMeshPage } from './support/mesh-page.js'

// Long enough that a prober on a loaded machine sends its suites and publishes its evidence before routers close the epoch.
const EPOCH_MS = 30_000
const CONTROL_PLANE_KEY = randomBytes(32).toString('hex')

let relayA: RelayProcess
let relayB: RelayProcess

test.beforeAll(async () => {
  const wsB = await freePort()
  const epoch = ['--epoch-ms', String(EPOCH_MS)]
  relayA = await startRelay({ bootstrap: [`/ip4/127.0.0.1/tcp/${wsB}/ws`], extraArgs: epoch })
  relayB = await startRelay({ wsPort: wsB, bootstrap: [relayA.multiaddr], extraArgs: epoch })
  await until('relay A to list both relays', async () => {
    const config = (await (await fetch(`${relayA.url}/config.json`)).json()) as { relays: string[]; epochMs: number }
    return config.relays.some((r) => r.endsWith(relayB.peerId)) && config.epochMs === EPOCH_MS ? true : undefined
  })
})

test.afterAll(async () => {
  await cleanupRelays()
})

/** A page holding its reservation on `relay`. */
const openPeer = (browser: Browser, relay: RelayProcess) => openMeshPage(browser, `${relayA.url}/?relay=${relay.peerId}`)

async function provide(page: Page, model: string): Promise<void> {
  await page.selectOption('#provide-model', model)
  await page.selectOption('#provide-backend', 'wasm')
  await page.click('#provide-start')
  await expect(page.locator('#provide-info')).toBeVisible({ timeout: 60_000 })
}

async function joinControlPlane(page: Page): Promise<void> {
  await page.fill('#terrain-key', CONTROL_PLANE_KEY)
  await page.click('#terrain-join button')
  await expect(page.locator('#terrain-state')).toContainText('in the control plane')
}

interface BeliefView {
  model: string
  mu: number
  sigma: number
  /** Probers in the last epoch reported on. */
  reports: number
  /** Epochs with reports, in the belief's history. */
  reportedEpochs: number
  handle: string
}

const beliefs = (page: Page) =>
  page.evaluate(async () =>
    (await (await window.terrain.mesh).control.snapshot()).providers.map((p) => ({
      model: p.model,
      mu: p.mu,
      sigma: p.sigma,
      reports: p.reports,
      reportedEpochs: p.history.filter((point) => point.aggregate !== undefined).length,
      handle: p.handle,
    })),
  ) as Promise<BeliefView[]>

test('probes through circuits make the chat page route clearly more to the better model, and providers see nothing of it', async ({ browser }) => {
  test.setTimeout(480_000)
  const tiny = await openPeer(browser, relayA)
  const micro = await openPeer(browser, relayB)
  const prober = await openPeer(browser, relayA)
  const chat = await openPeer(browser, relayB)
  await provide(tiny, 'terrain-tiny')
  await provide(micro, 'terrain-micro')
  await joinControlPlane(prober)
  await joinControlPlane(chat)
  for (const page of [prober, chat]) {
    await page.waitForFunction(async () => (await (await window.terrain.mesh).chat.models()).length === 2, null, { timeout: 60_000 })
  }

  await prober.click('#probe-start')
  // The prober's own record: both providers measured and signed for.
  await expect(prober.locator('#probe-results tbody tr')).toHaveCount(2, { timeout: 3 * EPOCH_MS })
  await expect(prober.locator('#probe-results')).toContainText('terrain-tiny')

  // Beliefs form as epochs close: both providers reported on, the better one believed better.
  const formed = await until(
    'the chat page to believe tiny better than micro',
    async () => {
      const view = await beliefs(chat)
      const [t, m] = ['terrain-tiny', 'terrain-micro'].map((model) => view.find((b) => b.model === model))
      // The router samples each belief (Thompson): a gap of 1.5 combined sigmas means it picks tiny about 93% of the time, less the exploration floor.
      if (t && m && t.reports > 0 && m.reports > 0 && t.mu - m.mu > 1.5 * Math.hypot(t.sigma, m.sigma)) return view
      const s = await chat.evaluate(async () => {
        const snap = await (await window.terrain.mesh).control.snapshot()
        return { epoch: snap.epoch, rejections: snap.rejections, evidence: snap.evidence.length, probers: snap.probers }
      })
      throw new Error(`not yet: ${JSON.stringify({ view, ...s })}`)
    },
    6 * EPOCH_MS,
  )
  await expect(chat.locator('.provider-belief svg.belief-plot')).toHaveCount(2)

  // Real prompts from the chat page, any model: the router picks the provider.
  const served = (await chat.evaluate(async () => {
    const mesh = await window.terrain.mesh
    const models: string[] = []
    for (let i = 0; i < 24; i++) {
      const answer = await mesh.chat.ask([{ role: 'user', content: `sort: ${i % 10} 3 1` }], { maxTokens: 16, temperature: 0, onToken: () => {} })
      models.push(answer.provider.model)
    }
    return models
  })) as string[]
  const toTiny = served.filter((m) => m === 'terrain-tiny').length
  // Two thirds at least: a router without a preference gets there 8% of the time, this one about 99.8%.
  expect(toTiny, `beliefs when formed: ${JSON.stringify(formed)}`).toBeGreaterThanOrEqual(16)

  // Providers received ordinary requests only: no TargetRef, no Handle, no score.
  const evidence = (await chat.evaluate(async () => (await (await window.terrain.mesh).control.snapshot()).evidence.map((e) => e.targetRef))) as string[]
  expect(evidence.length).toBeGreaterThan(0)
  for (const provider of [tiny, micro]) {
    const requests = (await provider.evaluate(async () => (await window.terrain.mesh).servedRequests())) as string[]
    expect(requests.length).toBeGreaterThan(10) // probes reached it
    const seen = requests.join('\n')
    for (const ref of new Set(evidence)) expect(seen).not.toContain(ref)
    for (const b of formed) expect(seen).not.toContain(b.handle)
    expect(seen).not.toMatch(/"(mu|sigma|trust|score|belief|targetRef|handle)"/i)
    // The evidence reached the provider's own log only sealed: stored and forwarded, no TargetRef readable.
    const log = await storedRecords(provider)
    expect(log.sealed).toBeGreaterThan(0)
    for (const ref of new Set(evidence)) expect(log.hex).not.toContain(ref)
  }

  // Beliefs survive a reload: the router replays the evidence the log holds, sealed records included.
  // Two reported epochs each first: a fresh router could gather at most one (one epoch closes) in the time allowed below.
  const before = await until(
    'two reported epochs on each provider',
    async () => {
      const view = await beliefs(chat)
      if (view.length === 2 && view.every((b) => b.reportedEpochs >= 2)) return view
      throw new Error(`not yet: ${JSON.stringify(view)}`)
    },
    3 * EPOCH_MS,
  )
  await chat.reload()
  await until(
    'the reloaded chat page to hold its beliefs again',
    async () => {
      const view = await beliefs(chat)
      const [t, m] = ['terrain-tiny', 'terrain-micro'].map((model) => view.find((b) => b.model === model))
      const [bt, bm] = ['terrain-tiny', 'terrain-micro'].map((model) => before.find((b) => b.model === model)!)
      if (t && m && t.reportedEpochs >= bt!.reportedEpochs && m.reportedEpochs >= bm!.reportedEpochs && t.mu > m.mu + 0.1) return view
      throw new Error(`not yet: ${JSON.stringify({ view, before })}`)
    },
    EPOCH_MS / 2,
  )
})

/** Every record in a page's IndexedDB event logs: how many are sealed, and all their bytes as hex. */
function storedRecords(page: Page): Promise<{ sealed: number; hex: string }> {
  return page.evaluate(async () => {
    const magic = new TextEncoder().encode('sealed/1')
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
    let sealed = 0
    const parts: string[] = []
    for (const { name } of await indexedDB.databases()) {
      if (!name?.startsWith('terrain-log-')) continue
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name)
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      // The log's layout (workers/idb-log-runs.ts): runs of events back to back, each ending at ends[i].
      const runs = await new Promise<{ events: Uint8Array; ends: Uint32Array }[]>((resolve, reject) => {
        const request = db.transaction('runs').objectStore('runs').getAll()
        request.onsuccess = () => resolve(request.result as { events: Uint8Array; ends: Uint32Array }[])
        request.onerror = () => reject(request.error)
      })
      db.close()
      for (const { events, ends } of runs) {
        ends.forEach((end, i) => {
          const event = events.subarray(ends[i - 1] ?? 0, end)
          if (magic.every((b, j) => event[j] === b)) sealed++
          parts.push(hex(event))
        })
      }
    }
    return { sealed, hex: parts.join(' ') }
  })
}
