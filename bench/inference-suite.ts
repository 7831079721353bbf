/**
 * Private inference over the real network: two relays and a Node provider
 * running the built-in model (real processes), a chat page and two more
 * pages as hops (real Chromium, real WebRTC). Measures circuit build time
 * through relays and through pages (over connections already open), and time to
 * first token and tokens/s through a 3-hop circuit beside a 1-hop circuit
 * straight to the same provider, interleaved in the same run.
 */
import type { Browser, Page } from '@playwright/test'
import { cleanupRelays, freePort, startRelay, until } from '../test/relay/support/relay-process.js'

export interface InferenceFigures {
  buildExistingMs: number[]
  buildPagesMs: number[]
  threeHop: { firstTokenMs: number[]; tokensPerSecond: number[] }
  direct: { firstTokenMs: number[]; tokensPerSecond: number[] }
}

const MODEL = 'terrain-tiny'
const PROMPT = 'copy: the quiet harbor lantern glows'

async function openPage(browser: Browser, url: string): Promise<{ page: Page; peerId: string }> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] })
  const page = await context.newPage()
  await page.goto(url)
  await page.waitForFunction(async () => (await window.terrain.mesh).reachable(), null, { timeout: 60_000 })
  return { page, peerId: await page.evaluate(async () => (await window.terrain.mesh).peerId) }
}

/**
 * One answer on a circuit through `hops` (none: straight to the provider); `fresh` closes open circuits first.
 * The page script is a string: tsx (which runs the bench) would wrap a function's inner arrows in helpers the page lacks.
 */
function ask(page: Page, hops: string[], fresh: boolean): Promise<{ circuitMs: number; firstTokenMs: number; tokensPerSecond: number; tokens: number }> {
  const args = JSON.stringify({ hops, prompt: PROMPT, model: MODEL, fresh })
  return page.evaluate(`(async ({ hops, prompt, model, fresh }) => {
    const mesh = await window.terrain.mesh
    if (fresh) mesh.chat.close()
    const answer = await mesh.chat.ask([{ role: 'user', content: prompt }], { model, pinnedHops: hops, maxTokens: 48, temperature: 0, onToken: () => {} })
    return { circuitMs: answer.circuitMs, firstTokenMs: answer.firstTokenMs, tokensPerSecond: answer.tokensPerSecond, tokens: answer.tokens }
  })(${args})`)
}

export async function runInferenceSuite(browser: Browser, rounds: number, log: (text: string) => void): Promise<InferenceFigures> {
  try {
    const wsB = await freePort()
    const a = await startRelay({ bootstrap: [`/ip4/127.0.0.1/tcp/${wsB}/ws`] })
    const b = await startRelay({ wsPort: wsB, bootstrap: [a.multiaddr] })
    await startRelay({ bootstrap: [a.multiaddr, b.multiaddr], extraArgs: ['--provide', MODEL] })
    await until('relay A to know relay B', async () => {
      const config = (await (await fetch(`${a.url}/config.json`)).json()) as { relays: string[] }
      return config.relays.some((r) => r.endsWith(b.peerId)) ? true : undefined
    })
    const chat = await openPage(browser, a.url)
    const x = await openPage(browser, `${a.url}/?relay=${a.peerId}`)
    const y = await openPage(browser, `${a.url}/?relay=${b.peerId}`)
    const models = () => chat.page.evaluate('window.terrain.mesh.then((mesh) => mesh.chat.models())') as Promise<string[]>
    await until('the chat page to see the provider', async () => ((await models()).includes(MODEL) ? true : undefined), 60_000)
    log('mesh up: 2 relays, a Node provider, a chat page and two hop pages')

    const figures: InferenceFigures = { buildExistingMs: [], buildPagesMs: [], threeHop: { firstTokenMs: [], tokensPerSecond: [] }, direct: { firstTokenMs: [], tokensPerSecond: [] } }
    await ask(chat.page, [a.peerId, b.peerId], true) // warm-up: model, JIT, connections
    for (let i = 0; i < rounds; i++) {
      // Over existing connections: relays as entry and middle (WebSocket links that are already open).
      figures.buildExistingMs.push((await ask(chat.page, [a.peerId, b.peerId], true)).circuitMs)
      // Time to first token and tokens/s on a built circuit: 3 hops, then 1 hop, interleaved.
      const three = await ask(chat.page, [a.peerId, b.peerId], false)
      await ask(chat.page, [], true) // builds the 1-hop circuit
      const oneAgain = await ask(chat.page, [], false)
      figures.threeHop.firstTokenMs.push(three.firstTokenMs)
      figures.threeHop.tokensPerSecond.push(three.tokensPerSecond)
      figures.direct.firstTokenMs.push(oneAgain.firstTokenMs)
      figures.direct.tokensPerSecond.push(oneAgain.tokensPerSecond)
      // Pages as entry and middle, over the WebRTC links the mesh already opened between them.
      figures.buildPagesMs.push((await ask(chat.page, [x.peerId, y.peerId], true)).circuitMs)
      log(`round ${i + 1} of ${rounds}`)
    }
    return figures
  } finally {
    await cleanupRelays()
  }
}

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((p, r) => p - r)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}
const median = (xs: number[]) => quantile(xs, 0.5)

export function formatInferenceSuite(f: InferenceFigures): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`
  const ttftAdded = median(f.threeHop.firstTokenMs) - median(f.direct.firstTokenMs)
  const rateRatio = median(f.threeHop.tokensPerSecond) / median(f.direct.tokensPerSecond)
  return [
    `  circuit build, existing connections (relays)   p50 ${ms(median(f.buildExistingMs))}  p95 ${ms(quantile(f.buildExistingMs, 0.95))}`,
    `  circuit build, pages as hops (WebRTC links)    p50 ${ms(median(f.buildPagesMs))}  p95 ${ms(quantile(f.buildPagesMs, 0.95))}`,
    `  time to first token: 3 hops ${ms(median(f.threeHop.firstTokenMs))}, direct ${ms(median(f.direct.firstTokenMs))}: ${ms(ttftAdded)} added (goal under 20 ms)`,
    `  tokens/s: 3 hops ${median(f.threeHop.tokensPerSecond).toFixed(0)}, direct ${median(f.direct.tokensPerSecond).toFixed(0)}: ${(rateRatio * 100).toFixed(1)}% of direct (goal 95%)`,
  ].join('\n')
}
