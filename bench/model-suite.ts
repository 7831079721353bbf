/**
 * The built-in model's decoding speed in Node and in a Chromium dedicated
 * worker, same model, same prompts, same run, both on onnxruntime-web's WASM
 * build; printed with the browser/Node ratio. Self-contained: it starts its
 * own Vite server and Chromium.
 */
import { chromium } from '@playwright/test'
import { createServer } from 'vite'
import { configureOrtForNode, loadBuiltInModelFromDisk } from '../workers/model/node.js'
import { measureDecoding, type DecodeFigures } from './model-decode.js'

const CHROMIUM_PATH = '/usr/lib/chromium/chromium'
const CONFIG_FILE = new URL('../vite.config.ts', import.meta.url).pathname
const MODEL = process.env.BENCH_MODEL ?? 'terrain-tiny'

async function inChromiumWorker(rounds: number): Promise<DecodeFigures> {
  // The worker as an entry: Vite then optimises its dependencies at start instead of reloading the page mid-run.
  const server = await createServer({
    configFile: CONFIG_FILE,
    server: { host: '127.0.0.1', port: 0 },
    optimizeDeps: { entries: ['bench/model.html', 'bench/model-worker.ts'] },
    logLevel: 'error',
  })
  await server.listen()
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] })
  try {
    const address = server.httpServer?.address()
    if (!address || typeof address === 'string') throw new Error('the bench server has no TCP address')
    const page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${address.port}/bench/model.html`)
    // After a dependency change Vite may still re-optimise one and reload the page once, mid-run: measure again then.
    for (let attempt = 1; ; attempt++) {
      try {
        await page.waitForFunction(() => 'terrainModelBench' in window)
        return await page.evaluate(([id, n]) => window.terrainModelBench.decoding(id!, Number(n)), [MODEL, String(rounds)])
      } catch (e) {
        if (attempt === 2 || !(e instanceof Error) || !e.message.includes('Execution context was destroyed')) throw e
      }
    }
  } finally {
    await browser.close()
    await server.close()
  }
}

export async function runModelSuite(rounds: number): Promise<void> {
  console.log(`\nBuilt-in model ${MODEL}: greedy decoding, KV cache, onnxruntime-web WASM (1 thread), median of ${rounds} rounds`)
  configureOrtForNode()
  const { model } = await loadBuiltInModelFromDisk(MODEL, { backend: 'wasm' })
  const node = await measureDecoding(`Node ${process.version}`, model, rounds)
  await model.dispose()
  const browser = await inChromiumWorker(rounds)
  for (const f of [node, browser]) console.log(`  ${f.runtime.padEnd(28)} ${Math.round(f.tokensPerSecond).toLocaleString('en-US').padStart(7)} tokens/s (${f.tokensPerRound} tokens a round)`)
  console.log(`  Chromium worker / Node: ${(browser.tokensPerSecond / node.tokensPerSecond).toFixed(2)}`)
}
