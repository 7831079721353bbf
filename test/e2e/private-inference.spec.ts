/**
 * Private inference end to end with real processes and real pages: two
 * relays, a provider page running the built-in model in its worker, two
 * more peers that serve as entry and middle hops, and a chat page. The
 * answer must be the model's own greedy output, and every hop's record of
 * what it saw must show that no single one learned who asked and what.
 */
import { expect, test, type Browser, type Page } from '@playwright/test'
import { builtInPrompt } from '../../core/index.js'
import { configureOrtForNode, loadBuiltInModelFromDisk } from '../../workers/model/node.js'
import { cleanupRelays, freePort, startRelay, until, type RelayProcess } from '../relay/support/relay-process.js'
import { meshPeerId, openMeshPage } from './support/mesh-page.js'

const MODEL = 'terrain-tiny'
const PROMPT = 'reverse: harbor'
const CELL_BYTES = 1024 // the default rule bundle's fixed_cell_bytes

let relayA: RelayProcess
let relayB: RelayProcess
let expected: string

test.beforeAll(async () => {
  configureOrtForNode()
  const { model } = await loadBuiltInModelFromDisk(MODEL, { backend: 'wasm' })
  expected = (await model.generate(builtInPrompt([{ role: 'user', content: PROMPT }]), { maxTokens: 24, temperature: 0, seed: 0 })).text
  await model.dispose()
  // Each relay bootstraps the other, so each one's /config.json names both.
  const wsB = await freePort()
  relayA = await startRelay({ bootstrap: [`/ip4/127.0.0.1/tcp/${wsB}/ws`] })
  relayB = await startRelay({ wsPort: wsB, bootstrap: [relayA.multiaddr] })
  await until('relay A to list both relays', async () => {
    const config = (await (await fetch(`${relayA.url}/config.json`)).json()) as { relays: string[] }
    return config.relays.some((r) => r.endsWith(relayB.peerId)) ? true : undefined
  })
})

test.afterAll(async () => {
  await cleanupRelays()
})

/** A page holding its reservation on `relay`. */
async function openPeer(browser: Browser, relay: RelayProcess): Promise<{ page: Page; peerId: string }> {
  const page = await openMeshPage(browser, `${relayA.url}/?relay=${relay.peerId}`)
  return { page, peerId: await meshPeerId(page) }
}

interface SeenByHop {
  event: string
  previousPeer: string
  nextPeer: string | undefined
  applicationBytes: number
  extendTo: string | undefined
}

const observations = (page: Page) =>
  page.evaluate(async () =>
    (await window.terrain.mesh).hopObservations().map((o) => ({
      event: o.event,
      previousPeer: o.previousPeer,
      nextPeer: o.nextPeer,
      applicationBytes: o.applicationBytes,
      extendTo: o.extendTo ? [...o.extendTo].map((b) => b.toString(16).padStart(2, '0')).join('') : undefined,
    })),
  ) as Promise<SeenByHop[]>

const cellSizes = (page: Page) => page.evaluate(async () => [...(await window.terrain.mesh).circuits.sentCellSizes.keys()])
const keyOf = (page: Page) => page.evaluate(async () => (await window.terrain.mesh).identityKey())

test('a prompt is answered by the provider page’s model through a 3-hop circuit, and no hop learns who asked what', async ({ browser }) => {
  const provider = await openPeer(browser, relayA)
  await provider.page.selectOption('#provide-model', MODEL)
  await provider.page.selectOption('#provide-backend', 'wasm')
  await provider.page.click('#provide-start')
  await expect(provider.page.locator('#provide-info')).toBeVisible({ timeout: 60_000 })
  await expect(provider.page.locator('#provide-runtime')).toHaveText('wasm')

  const entry = await openPeer(browser, relayA)
  const middle = await openPeer(browser, relayB)
  const chat = await openPeer(browser, relayB)
  await expect.poll(() => chat.page.evaluate(async () => (await window.terrain.mesh).chat.models()), { timeout: 45_000 }).toContain(MODEL)

  const answer = await chat.page.evaluate(
    async ({ hops, prompt }) => {
      const tokens: string[] = []
      const result = await (await window.terrain.mesh).chat.ask([{ role: 'user', content: prompt }], {
        pinnedHops: hops,
        maxTokens: 24,
        temperature: 0,
        onToken: (t) => tokens.push(t),
      })
      return { text: result.text, tokens, path: result.path.map((h) => h.peerId), provider: result.provider.model }
    },
    { hops: [entry.peerId, middle.peerId], prompt: PROMPT },
  )
  expect(answer.text).toBe(expected)
  expect(answer.tokens.join('')).toBe(expected)
  expect(answer.path).toEqual([entry.peerId, middle.peerId, provider.peerId])

  const [atEntry, atMiddle, atProvider] = [await observations(entry.page), await observations(middle.page), await observations(provider.page)]
  const providerKey = await keyOf(provider.page)
  const middleKey = await keyOf(middle.page)
  // The entry knows the client, but never the provider and never a byte of plaintext.
  expect(atEntry.some((o) => o.event === 'create' && o.previousPeer === chat.peerId)).toBe(true)
  expect(atEntry.filter((o) => o.event === 'extend').map((o) => o.extendTo)).toEqual([middleKey])
  expect(atEntry.every((o) => o.nextPeer !== provider.peerId && o.extendTo !== providerKey && o.applicationBytes === 0)).toBe(true)
  // The middle knows its neighbours, neither the client nor the plaintext.
  expect(atMiddle.some((o) => o.previousPeer === entry.peerId && o.nextPeer === provider.peerId)).toBe(true)
  expect(atMiddle.every((o) => o.previousPeer !== chat.peerId && o.nextPeer !== chat.peerId && o.applicationBytes === 0)).toBe(true)
  // The provider reads the prompt, from the middle, never learning the client.
  expect(atProvider.some((o) => o.event === 'exit-data' && o.applicationBytes > 0 && o.previousPeer === middle.peerId)).toBe(true)
  expect(atProvider.every((o) => o.previousPeer !== chat.peerId && o.previousPeer !== entry.peerId)).toBe(true)
  // Every cell any of them wrote had the same length.
  for (const page of [chat.page, entry.page, middle.page, provider.page]) expect(await cellSizes(page)).toEqual([CELL_BYTES])

  // Another path pinned to the same provider replaces the circuit: the first one is torn down at once, not left to idle.
  const again = await chat.page.evaluate(
    async ({ hops, prompt }) => (await (await window.terrain.mesh).chat.ask([{ role: 'user', content: prompt }], { pinnedHops: hops, maxTokens: 24, temperature: 0, onToken: () => {} })).text,
    { hops: [middle.peerId, entry.peerId], prompt: PROMPT },
  )
  expect(again).toBe(expected)
  await expect.poll(async () => (await observations(entry.page)).some((o) => o.event === 'destroy' && o.previousPeer === chat.peerId), { timeout: 10_000 }).toBe(true)

  // The chat section shows the answer and the path as a diagram.
  await chat.page.fill('#chat-prompt', PROMPT)
  await chat.page.click('#chat-send')
  await expect(chat.page.locator('#chat-answer')).toHaveAttribute('data-state', 'done', { timeout: 30_000 })
  await expect(chat.page.locator('#chat-answer')).toHaveText(expected)
  await expect(chat.page.locator('#chat-path-diagram g')).toHaveCount(4)
  await expect(chat.page.locator('#chat-figures')).toContainText('tokens/s')
})

test('the chat says clearly when no provider serves the asked model', async ({ browser }) => {
  const chat = await openPeer(browser, relayA)
  const error = await chat.page.evaluate(async () =>
    (await window.terrain.mesh).chat.ask([{ role: 'user', content: 'x' }], { model: 'no-such-model', maxTokens: 4, temperature: 0, onToken: () => {} }).then(
      () => undefined,
      (e: { code: string; message: string }) => ({ code: e.code, message: e.message }),
    ),
  )
  expect(error).toEqual({ code: 'no-providers', message: expect.stringContaining('no-such-model') })
})
