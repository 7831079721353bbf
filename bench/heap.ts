import type { Page } from '@playwright/test'

/**
 * Bytes of JS heap of a page and its workers, from the browser's own
 * measurement (needs cross-origin isolation, and Chromium's
 * ForceEagerMeasureMemory feature to answer at once); undefined where unavailable.
 */
export function measureHeap(page: Page): Promise<number | undefined> {
  return page.evaluate(async () => {
    const measure = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> })
      .measureUserAgentSpecificMemory
    return measure ? (await measure.call(performance)).bytes : undefined
  })
}
