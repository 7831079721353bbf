/**
 * The mesh end to end: a real relay process and real Chromium pages, each in
 * its own browser context (its own IndexedDB and identity).
 */
import { expect, test, type Browser, type Page } from '@playwright/test'
import { cleanupRelays, startRelay, type RelayProcess } from '../relay/support/relay-process.js'
import { meshPeerId, openMeshPage } from './support/mesh-page.js'

let relay: RelayProcess

test.beforeAll(async () => {
  relay = await startRelay()
})

test.afterAll(async () => {
  await cleanupRelays()
})

const openPeer = (browser: Browser, url = relay.url) => openMeshPage(browser, url)

/** Distinct weights make distinct events (an endorsement is deterministic per epoch and weight). */
let weight = 0
const endorse = (page: Page) => page.evaluate(async (w) => (await window.terrain.mesh).endorseRules(w), (weight += 0.01))
const has = (page: Page, id: string) => page.evaluate(async (eventId) => (await window.terrain.mesh).hasEvent(eventId), id)
const eventually = (page: Page, id: string) => expect.poll(() => has(page, id), { timeout: 30_000 }).toBe(true)

test('an event created in one page reaches two others by push', async ({ browser }) => {
  const [a, b, c] = [await openPeer(browser), await openPeer(browser), await openPeer(browser)]
  const id = await endorse(a)
  expect(await has(a, id)).toBe(true)
  await eventually(b, id)
  await eventually(c, id)
  await expect(a.locator('#log-size')).toContainText('event')
})

test('a page closed while events were created catches up when it reopens (pull)', async ({ browser }) => {
  const a = await openPeer(browser)
  const b = await openPeer(browser)
  const context = b.context()
  await b.close()
  const ids = [await endorse(a), await endorse(a), await endorse(a)]
  const reopened = await context.newPage()
  await reopened.goto(relay.url)
  for (const id of ids) await eventually(reopened, id)
})

test('reloading a page keeps its log (IndexedDB), even with no network peer at all', async ({ browser }) => {
  const a = await openPeer(browser)
  const id = await endorse(a)
  // After the reload the page is told of no relay: whatever it has, it had stored itself.
  await a.route('**/config.json', async (route) => {
    const body = (await (await route.fetch()).json()) as { relays: string[] }
    await route.fulfill({ json: { ...body, relays: [] } })
  })
  await a.reload()
  expect(await has(a, id)).toBe(true)
  expect(await a.evaluate(async () => (await window.terrain.mesh).connections().length)).toBe(0)
})

test('killing the relay with SIGKILL loses no event it acknowledged', async ({ browser }) => {
  const a = await openPeer(browser)
  const ids = [await endorse(a), await endorse(a)]
  await expect.poll(async () => (await relay.health()).events, { timeout: 30_000 }).toBeGreaterThanOrEqual(2)
  const stored = (await relay.health()).events
  const { httpPort, wsPort } = { httpPort: Number(new URL(relay.url).port), wsPort: Number(relay.multiaddr.split('/')[4]) }
  await relay.kill('SIGKILL')
  relay = await startRelay({ dataDir: relay.dataDir, httpPort, wsPort })
  // At least: other open pages may still hand the relay events between the count and the kill.
  expect((await relay.health()).events).toBeGreaterThanOrEqual(stored)
  const fresh = await openPeer(browser)
  for (const id of ids) await eventually(fresh, id)
})

test('two tabs of one profile share the log database but not an identity', async ({ browser }) => {
  const first = await openPeer(browser)
  const second = await first.context().newPage()
  await second.goto(relay.url)
  await second.waitForFunction(async () => (await window.terrain.mesh).reachable(), null, { timeout: 30_000 })
  const ids = await Promise.all([first, second].map((p) => meshPeerId(p)))
  expect(ids[0]).not.toBe(ids[1])
  const fromSecond = await endorse(second)
  await eventually(first, fromSecond)
  // A reloaded tab gets its identity back.
  await first.reload()
  await first.waitForFunction(async () => (await window.terrain.mesh).reachable(), null, { timeout: 30_000 })
  expect(await meshPeerId(first)).toBe(ids[0])
})
