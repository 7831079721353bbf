/**
 * Private inference over the real network: two relays and a Node provider
 * running the built-in model (real processes), two chat pages and two more
 * pages as hops (real Chromium, real WebRTC). Measures circuit build time
 * through relays and through pages (over connections already open), and time to
 * first token and tokens/s through a 3-hop circuit beside a 1-hop circuit
 * straight to the same provider, answer by answer in turn in the same run.
 */
import type { Browser, Page } from '@playwright/test'
import { cleanupRelays, freePort, startRelay, until } from '../test/relay/support/relay-process.js'
import { hasDirect, meshPeerId, openMeshPage } from '../test/e2e/support/mesh-page.js'
import { medianOf, pairedMedianRatio } from './paired-ratio.js'

export interface InferenceFigures {
  buildExistingMs: number[]
  buildPagesMs: number[]
  /** Pages as hops with no direct connection between them yet: the build dials WebRTC (client → entry, entry → middle). */
  buildNewWebRtcMs: number[]
  threeHop: RouteFigures
  direct: RouteFigures
}

/** Per answer: time to first token, and the tokens after the first with the time they took to arrive (first token to end). */
interface RouteFigures {
  firstTokenMs: number[]
  laterTokens: number[]
  streamingMs: number[]
}

const MODEL = 'terrain-tiny'
const PROMPT = 'copy: the quiet harbor lantern glows'

async function openPage(browser: Browser, url: string): Promise<{ page: Page; peerId: string }> {
  const page = await openMeshPage(browser, url, { timeoutMs: 60_000, failOnPageError: false })
  return { page, peerId: await meshPeerId(page) }
}

interface AnswerFigures {
  circuitMs: number
  firstTokenMs: number
  /** Tokens as the page received them, and the ms from the first to the end of the answer. */
  tokens: number
  streamingMs: number
}

/**
 * One answer on a circuit through `hops` (none: straight to the provider); `fresh` closes open circuits first.
 * The page script is a string: tsx (which runs the bench) would wrap a function's inner arrows in helpers the page lacks.
 */
function ask(page: Page, hops: string[], fresh: boolean): Promise<AnswerFigures> {
  const args = JSON.stringify({ hops, prompt: PROMPT, model: MODEL, fresh })
  return page.evaluate(`(async ({ hops, prompt, model, fresh }) => {
    const mesh = await window.terrain.mesh
    if (fresh) mesh.chat.close()
    let tokens = 0
    let first = 0
    const answer = await mesh.chat.ask([{ role: 'user', content: prompt }], {
      model, pinnedHops: hops, maxTokens: 48, temperature: 0,
      onToken: () => { if (tokens++ === 0) first = performance.now() },
    })
    return { circuitMs: answer.circuitMs, firstTokenMs: answer.firstTokenMs, tokens, streamingMs: performance.now() - first }
  })(${args})`)
}

const dropDirect = (page: Page, peer: string) => page.evaluate(`window.terrain.mesh.then((mesh) => mesh.dropDirect(${JSON.stringify(peer)}))`)

function record(route: RouteFigures, answer: AnswerFigures): void {
  route.firstTokenMs.push(answer.firstTokenMs)
  route.laterTokens.push(answer.tokens - 1)
  route.streamingMs.push(answer.streamingMs)
}

/** Answers each route gives for its time to first token and tokens/s. */
const ANSWERS_PER_ROUTE = 800

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
    // One chat page a route, so each keeps its circuit open and the routes can take turns answer by answer.
    const chat = await openPage(browser, a.url)
    const chatDirect = await openPage(browser, a.url)
    const x = await openPage(browser, `${a.url}/?relay=${a.peerId}`)
    const y = await openPage(browser, `${a.url}/?relay=${b.peerId}`)
    const models = (page: Page) => page.evaluate('window.terrain.mesh.then((mesh) => mesh.chat.models())') as Promise<string[]>
    for (const page of [chat.page, chatDirect.page]) {
      await until('the chat pages to see the provider', async () => ((await models(page)).includes(MODEL) ? true : undefined), 60_000)
    }
    log('mesh up: 2 relays, a Node provider, two chat pages and two hop pages')

    const route = (): RouteFigures => ({ firstTokenMs: [], laterTokens: [], streamingMs: [] })
    const figures: InferenceFigures = { buildExistingMs: [], buildPagesMs: [], buildNewWebRtcMs: [], threeHop: route(), direct: route() }
    const routes = [
      { route: figures.threeHop, page: chat.page, hops: [a.peerId, b.peerId] },
      { route: figures.direct, page: chatDirect.page, hops: [] },
    ]
    // Warm-up on both routes (model, JIT, connections), then a pause for the fresh pages' first sync with the relays to end.
    for (const { page, hops } of routes) for (let j = 0; j < 6; j++) await ask(page, hops, j === 0)
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    // An answer streams for a few ms and the machine's speed drifts over seconds: the routes take turns answer by
    // answer (each on its open circuit), the first of a pair alternating, so drift falls on both alike.
    for (let i = 0; i < ANSWERS_PER_ROUTE; i++) {
      for (const { route, page, hops } of i % 2 === 0 ? routes : [...routes].reverse()) record(route, await ask(page, hops, false))
      if ((i + 1) % 200 === 0) log(`${i + 1} of ${ANSWERS_PER_ROUTE} answers a route`)
    }
    for (let i = 0; i < rounds; i++) {
      // 3 hops through relays (over WebSocket links already open), then pages as entry and middle over the WebRTC
      // links the mesh already opened between them.
      figures.buildExistingMs.push((await ask(chat.page, [a.peerId, b.peerId], true)).circuitMs)
      figures.buildPagesMs.push((await ask(chat.page, [x.peerId, y.peerId], true)).circuitMs)
      // The same hops after closing the WebRTC connections the circuit needs: the build opens new ones.
      await dropDirect(chat.page, x.peerId)
      await dropDirect(x.page, y.peerId)
      if ((await hasDirect(chat.page, x.peerId)) || (await hasDirect(x.page, y.peerId))) throw new Error('a dropped WebRTC connection came back before the build')
      figures.buildNewWebRtcMs.push((await ask(chat.page, [x.peerId, y.peerId], true)).circuitMs)
      if (!(await hasDirect(chat.page, x.peerId)) || !(await hasDirect(x.page, y.peerId))) throw new Error('the build did not leave new WebRTC connections')
      log(`circuit builds: round ${i + 1} of ${rounds}`)
      await new Promise((resolve) => setTimeout(resolve, 1_000)) // new connections settle (identify, sync) before the next round
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
const sum = (xs: number[]) => xs.reduce((p, x) => p + x, 0)
/** Each answer's tokens after its first over the time they took to arrive. */
const answerRates = (route: RouteFigures) => route.laterTokens.map((tokens, i) => tokens / (route.streamingMs[i]! / 1000))
/**
 * The median answer's rate. An answer streams for about 12 ms (the built-in model makes over two thousand tokens a
 * second), so one stalled by another process on the machine (a relay's sync, a page's GC) weighs on a pooled rate
 * out of all proportion; the median is what an answer usually gets, and the pooled rate is printed beside it. Answers
 * vary by several ms either way, so the ratio carries a bootstrap interval over the pairs of answers.
 */
const tokensPerSecond = (route: RouteFigures) => medianOf(answerRates(route))
const pooledTokensPerSecond = (route: RouteFigures) => sum(route.laterTokens) / (sum(route.streamingMs) / 1000)

export function formatInferenceSuite(f: InferenceFigures): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`
  const ttftAdded = medianOf(f.threeHop.firstTokenMs) - medianOf(f.direct.firstTokenMs)
  const rate = pairedMedianRatio(answerRates(f.threeHop), answerRates(f.direct))
  const percent = (x: number) => `${(x * 100).toFixed(1)}%`
  return [
    `  circuit build, existing connections (relays)   p50 ${ms(medianOf(f.buildExistingMs))}  p95 ${ms(quantile(f.buildExistingMs, 0.95))}`,
    `  circuit build, pages as hops (WebRTC links)    p50 ${ms(medianOf(f.buildPagesMs))}  p95 ${ms(quantile(f.buildPagesMs, 0.95))}`,
    `  circuit build, pages as hops, new WebRTC       p50 ${ms(medianOf(f.buildNewWebRtcMs))}  p95 ${ms(quantile(f.buildNewWebRtcMs, 0.95))}`,
    `  time to first token: 3 hops ${ms(medianOf(f.threeHop.firstTokenMs))}, direct ${ms(medianOf(f.direct.firstTokenMs))}: ${ms(ttftAdded)} added (goal under 20 ms)`,
    `  tokens/s, median of ${f.threeHop.laterTokens.length} answers a route: 3 hops ${tokensPerSecond(f.threeHop).toFixed(0)}, direct ${tokensPerSecond(f.direct).toFixed(0)}: ${percent(rate.ratio)} of direct (95% interval ${percent(rate.low)}–${percent(rate.high)}; goal 95%)`,
    `  tokens/s pooled over all answers: 3 hops ${pooledTokensPerSecond(f.threeHop).toFixed(0)}, direct ${pooledTokensPerSecond(f.direct).toFixed(0)}: ${((pooledTokensPerSecond(f.threeHop) / pooledTokensPerSecond(f.direct)) * 100).toFixed(1)}% of direct`,
  ].join('\n')
}
