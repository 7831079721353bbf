/**
 * Browser to browser over WebRTC, with a relay that only signals: it keeps
 * no log and forwards no events, so whatever reaches a page came over the
 * pages' direct connection.
 */
import { expect, test, type Browser } from '@playwright/test'
import { cleanupRelays, startRelay, type RelayProcess } from '../relay/support/relay-process.js'
import { hasDirect, meshPeerId, openMeshPage } from './support/mesh-page.js'

let relay: RelayProcess

test.beforeAll(async () => {
  relay = await startRelay({ replicate: false })
})

test.afterAll(async () => {
  await cleanupRelays()
})

const openPeer = (browser: Browser) => openMeshPage(browser, relay.url, { failOnPageError: false })

test('two pages find each other, connect over WebRTC and exchange events with the relay carrying none', async ({ browser }) => {
  const a = await openPeer(browser)
  const b = await openPeer(browser)
  const [idA, idB] = [await meshPeerId(a), await meshPeerId(b)]
  await expect.poll(() => hasDirect(a, idB), { timeout: 45_000 }).toBe(true)
  await expect.poll(() => hasDirect(b, idA), { timeout: 10_000 }).toBe(true)
  const fromA = await a.evaluate(async () => (await window.terrain.mesh).endorseRules(0.5))
  const fromB = await b.evaluate(async () => (await window.terrain.mesh).endorseRules(0.25))
  await expect.poll(() => b.evaluate(async (id) => (await window.terrain.mesh).hasEvent(id), fromA), { timeout: 30_000 }).toBe(true)
  await expect.poll(() => a.evaluate(async (id) => (await window.terrain.mesh).hasEvent(id), fromB), { timeout: 30_000 }).toBe(true)
  expect((await relay.health()).events).toBe(0)
  await expect(a.locator('#connection-list li[data-kind="direct"]')).toHaveCount(1)
})

test('100 browser-to-browser WebRTC dials all connect (a failed attempt is retried)', async ({ browser }) => {
  test.setTimeout(300_000)
  const a = await openPeer(browser)
  const b = await openPeer(browser)
  const [idA, idB] = [await meshPeerId(a), await meshPeerId(b)]
  const [dialer, target] = idA < idB ? [a, idB] : [b, idA]
  const results = await dialer.evaluate(async (peer) => {
    const mesh = await window.terrain.mesh
    const out: { connected: boolean; retries: number; ms: number; error?: string }[] = []
    for (let i = 0; i < 100; i++) out.push(await mesh.redialDirect(peer))
    return out
  }, target)
  const failed = results.filter((r) => !r.connected)
  const retried = results.filter((r) => r.retries > 0).length
  const ms = results.map((r) => r.ms).sort((x, y) => x - y)
  test.info().annotations.push({
    type: 'webrtc dials',
    description: `100 dials: ${100 - failed.length} connected, ${retried} needed a retry; median ${Math.round(ms[50]!)} ms, p95 ${Math.round(ms[95]!)} ms`,
  })
  expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([])
})
