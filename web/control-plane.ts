/**
 * The page's control plane: the router worker (beliefs, the choice of
 * provider for each prompt) and the prober worker (this volunteer's probes),
 * connected to the log worker. Probes go out through the page's ordinary
 * private chat, pinned to the target provider: same circuits, same cells,
 * same path rules as any user's prompt.
 */
import * as Comlink from 'comlink'
import type { ProviderSummary } from '../core/index.js'
import type { PrivateChat } from '../relay-server/private-chat.js'
import type { LogWorkerApi } from '../workers/log-worker.js'
import type { ProbeEpochSummary, ProberWorkerApi, ProbeProgressView, ProbeRunOptions } from '../workers/prober-worker.js'
import type { RouterSnapshot, RouterWorkerApi } from '../workers/router-worker.js'

/** Where a page keeps the control-plane key it was given (this origin only). */
const KEY_STORAGE = 'terrain-control-plane-key'
/** How often the router's own signed events (disputes) are published. */
const OUTBOX_MS = 2_000
const PROBE_ANSWER_TOKENS = 48

export interface ControlPlane {
  router: Comlink.Remote<RouterWorkerApi>
  /** Join the world's control plane with its master key (hex); kept for this origin. */
  join(keyHex: string): Promise<void>
  inControlPlane(): boolean
  snapshot(): Promise<RouterSnapshot>
  /** Probe every current provider once, this epoch; the evidence is sealed and published together once the run ends. */
  probeEpoch(options: ProbeRunOptions, onProgress: (p: ProbeProgressView) => void): Promise<ProbeEpochSummary>
}

export async function startControlPlane(
  log: Comlink.Remote<LogWorkerApi>,
  world: { phrase: string; epochMs: number; seed: Uint8Array },
  chat: () => PrivateChat,
  providers: () => Promise<ProviderSummary[]>,
): Promise<ControlPlane> {
  const router = Comlink.wrap<RouterWorkerApi>(new Worker(new URL('../workers/router-worker.ts', import.meta.url), { type: 'module', name: 'terrain-router' }))
  const prober = Comlink.wrap<ProberWorkerApi>(new Worker(new URL('../workers/prober-worker.ts', import.meta.url), { type: 'module', name: 'terrain-prober' }))
  let member = false
  await router.start(world.phrase, world.epochMs, world.seed, '')
  await prober.start(world.phrase, world.epochMs, world.seed)
  const stored = localStorage.getItem(KEY_STORAGE)
  const join = async (keyHex: string) => {
    await router.joinControlPlane(keyHex)
    localStorage.setItem(KEY_STORAGE, keyHex)
    member = true
  }
  if (stored) await join(stored)
  // The log hands every control-plane event to the router over a channel of their own.
  const channel = new MessageChannel()
  await router.listen(Comlink.transfer(channel.port1, [channel.port1]))
  await log.connectRouter(Comlink.transfer(channel.port2, [channel.port2]))
  setInterval(async () => {
    const outbox = await router.takeOutbox()
    if (outbox.length > 0) await log.publishRecords(outbox)
  }, OUTBOX_MS)

  return {
    router,
    join,
    inControlPlane: () => member,
    snapshot: () => router.snapshot(),
    async probeEpoch(options, onProgress) {
      if (!member) throw new Error('probing needs the control-plane key: paste it in the Terrain tab')
      const listed = await providers()
      const refs = await Promise.all(listed.map((p) => router.targetRef(p.providerKey)))
      const targets = listed.flatMap((p, i) => {
        const targetRef = refs[i]
        return targetRef ? [{ providerKey: p.providerKey, model: p.model, targetRef }] : []
      })
      if (targets.length === 0) throw new Error('no provider to probe in this world right now')
      const ask = async (providerKey: string, prompt: string) => {
        const answer = await chat().ask([{ role: 'user', content: prompt }], {
          provider: providerKey,
          maxTokens: PROBE_ANSWER_TOKENS,
          temperature: 0,
          onToken: () => {},
        })
        return answer.text
      }
      // Only the targets the probe lottery assigns this prober: about maxProbeRedundancy probers probe each.
      const assignment = await router.probeAssignment()
      const summary = await prober.runEpoch(targets, Comlink.proxy(ask), Comlink.proxy(onProgress), { ...options, ...(assignment ? { assignment } : {}) })
      // Sealed under the control-plane key: providers and relays store and forward them, unable to read them.
      await log.publishRecords(await router.seal(summary.events))
      return summary
    },
  }
}

