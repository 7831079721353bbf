/** Opening the app as a mesh peer, shared by the end-to-end tests and the network benchmarks. */
import type { Browser, Page } from '@playwright/test'

export interface MeshPageOptions {
  /** How long the page may take to hold a relay reservation (be reachable). */
  timeoutMs?: number
  /** Replace the relays the page's `/config.json` names (to pin which relay a page dials). */
  relays?: string[]
  /** Fail the test on an uncaught error in the page (default). */
  failOnPageError?: boolean
}

/** The app at `url` in a fresh context (WebRTC needs a media permission to expose host candidates), once it is reachable. */
export async function openMeshPage(browser: Browser, url: string, options: MeshPageOptions = {}): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] })
  const page = await context.newPage()
  if (options.failOnPageError ?? true) {
    page.on('pageerror', (e) => {
      throw e
    })
  }
  const relays = options.relays
  if (relays) {
    await page.route('**/config.json', async (route) => {
      const body = (await (await route.fetch()).json()) as object
      await route.fulfill({ json: { ...body, relays } })
    })
  }
  await page.goto(url)
  await page.waitForFunction(async () => (await window.terrain.mesh).reachable(), null, { timeout: options.timeoutMs ?? 30_000 })
  return page
}

export const meshPeerId = (page: Page): Promise<string> => page.evaluate(async () => (await window.terrain.mesh).peerId)

/**
 * Whether `page` has a direct (WebRTC) connection to `peer`. The page script is a string: tsx (which runs the bench)
 * would wrap a function's inner arrows in helpers the page lacks.
 */
export const hasDirect = async (page: Page, peer: string): Promise<boolean> =>
  ((await page.evaluate('window.terrain.mesh.then((mesh) => mesh.connections())')) as { peer: string; kind: string }[]).some((c) => c.peer === peer && c.kind === 'direct')
