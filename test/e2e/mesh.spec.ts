/**
 * The mesh end to end: a real relay process and real Chromium pages, each in
 * its own browser context (its own IndexedDB and identity).
 */
import { expect, test, type Browser, type Page } from '@playwright/test'
import { cleanupRelays, startRelay, type RelayProcess } from '../relay/support/relay-process.js'

let relay: RelayProcess

test.beforeAll(async () => {
  relay = await startRelay()
})

test.afterAll(async () => {
  await cleanupRelays()
})

/** Open the app in a fresh context (WebRTC needs a media permission to expose host candidates). */
async function openPeer(browser: Browser, url = relay.url): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] })
  const page = await context.newPage()
  page.on('pageerror', (e) => {
    throw e
  })
  await page.goto(url)
  await page.waitForFunction(async () => (await window.terrain.mesh).connections().some((c) => c.kind === 'relay'), null, {
    timeout: 30_000,
  })
  return page
}

const endorse = (page: Page) => page.evaluate(async () => (await window.terrain.mesh).endorseRules())
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
