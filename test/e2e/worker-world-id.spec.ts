/**
 * The built page runs the protocol core in a module worker: its WorldIds must
 * equal the ones Node derives from the same core, and its refusals must reach
 * the page intact.
 */
import { expect, test } from '@playwright/test'
import { defaultRuleBundle, defaultWorldPhrase, deriveWorldId, toHex } from '../../core/index.js'

/** WorldId of "quiet harbor lantern" under the default rule bundle (PROTOCOL.md's example). */
const DEFAULT_WORLD_ID = '95c190c45ae15f40ad71768aa3ca191270c780a23c7a0f6db063217d79b772ed'

const PHRASES = [
  defaultWorldPhrase,
  '  Quiet  Harbor Lantern ',
  'quiet-harbor-lantern',
  'amber falcon over tide',
  'ÉTÉ\u00a0sous la\tpluie',
]

let pageErrors: Error[] = []

test.beforeEach(async ({ page }) => {
  pageErrors = []
  page.on('pageerror', (error) => pageErrors.push(error))
  await page.goto('/')
  await page.waitForFunction(() => 'terrain' in window)
  await page.evaluate(() => window.terrain.ready)
})

test.afterEach(() => {
  expect(pageErrors, 'uncaught errors in the page').toEqual([])
})

test('the worker derives the same WorldIds as Node', async ({ page }) => {
  expect(toHex(await deriveWorldId(defaultWorldPhrase, defaultRuleBundle))).toBe(DEFAULT_WORLD_ID)
  for (const phrase of PHRASES) {
    const inWorker = await page.evaluate((p) => window.terrain.worldId(p), phrase)
    const inNode = toHex(await deriveWorldId(phrase, defaultRuleBundle))
    expect(inWorker, JSON.stringify(phrase)).toBe(inNode)
  }
})

test('the page shows the default WorldId and the Ed25519 backend', async ({ page }) => {
  await expect(page).toHaveTitle('Terrain')
  await expect(page.locator('#world-phrase')).toHaveValue(defaultWorldPhrase)
  await expect(page.locator('#world-id')).toHaveText(DEFAULT_WORLD_ID)
  // WebCrypto is only chosen when it agrees with the shared verification policy on the
  // known divergences (core/ed25519.ts), so this also checks Chromium's implementation.
  await expect(page.locator('#ed25519-backend')).toHaveText('webcrypto')
  await expect(page.locator('#world-error')).toBeHidden()
})

test('the page is cross-origin isolated', async ({ page }) => {
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true)
})

test('a two-word phrase is refused with a clear, visible error', async ({ page }) => {
  const message = 'a world phrase has 3 or 4 words; "quiet-harbor" has 2'

  await page.locator('#world-phrase').fill('quiet harbor')
  await page.getByRole('button', { name: 'Compute WorldId' }).click()
  const error = page.locator('#world-error')
  await expect(error).toBeVisible()
  await expect(error).toHaveText(message)
  await expect(error).toHaveAttribute('data-code', 'word-count')
  await expect(page.locator('#world-id')).toHaveText('')

  const refusal = await page.evaluate(() =>
    window.terrain.worldId('quiet harbor').then(
      () => null,
      (e: Error & { code?: string }) => ({ name: e.name, code: e.code, message: e.message }),
    ),
  )
  expect(refusal).toEqual({ name: 'WorldPhraseError', code: 'word-count', message })
})
