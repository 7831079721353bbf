/**
 * The router worker: this peer's belief field over the world's providers,
 * fed with every event the log stores, and the choice of provider for each
 * prompt. It holds the control-plane key (when the peer has one) and the
 * Handle secret; neither, nor any belief, ever leaves it except as pictures
 * for this page's own Terrain view. Evidence travels sealed under the
 * control-plane key: this worker seals what this peer publishes and opens
 * what the log stores.
 */
import * as Comlink from 'comlink'
import {
  BeliefRouter,
  createSigner,
  createWorld,
  ControlPlaneKeyring,
  decodeEvent,
  disputeEvent,
  epochAt,
  evidenceEpochId,
  fromHex,
  SealError,
  toHex,
  worldRules,
  type Event,
  type BeliefPoint,
  type DisputeView,
  type MetricsVector,
  type ProberTrust,
  type ProviderBelief,
  type ProviderSummary,
  type Signer,
} from '../core/index.js'
import { keepErrorCodesAcrossComlink } from './error-transfer.js'
import { unpackEvents, type PackedEvents } from './packed-events.js'

/** How often epochs are checked for closing. */
const TICK_MS = 1_000

/** A belief point with its epoch as a string (bigints do not cross to the page as plain JSON-like data). */
export type BeliefPointView = Omit<BeliefPoint, 'epoch'> & { epoch: string }

/** A provider's belief as the Terrain view shows it, named by the provider's key and the first bytes of the local Handle (never sent). */
export type ProviderBeliefView = Omit<ProviderBelief, 'target' | 'history'> & { providerKey: string; model: string; handle: string; history: BeliefPointView[] }

export interface RouterSnapshot {
  inControlPlane: boolean
  epoch: string
  providers: ProviderBeliefView[]
  probers: ProberTrust[]
  disputes: DisputeView[]
  rejections: Record<string, number>
  /** Evidence this router took into account, newest first: event id, kind, prober, the provider it concerns. */
  evidence: { eventId: string; kind: 'receipt' | 'attestation'; epoch: string; prober: string; targetRef: string; providerKey: string | undefined; metrics?: MetricsVector }[]
}

let router: BeliefRouter | undefined
let signer: Signer | undefined
let keyring: ControlPlaneKeyring | undefined
let ticking: ReturnType<typeof setInterval> | undefined
const outbox: Uint8Array[] = []
const evidence: RouterSnapshot['evidence'] = []
const EVIDENCE_KEPT = 500

function current(): BeliefRouter {
  if (!router) throw new Error('the router is not started yet')
  return router
}

const api = {
  /** `controlPlaneKey`: hex of the world's control-plane master key, or '' outside the control plane. */
  async start(worldPhrase: string, epochMs: number, seed: Uint8Array, controlPlaneKey: string): Promise<void> {
    const world = await createWorld(worldPhrase, worldRules(epochMs))
    const handleSecret = crypto.getRandomValues(new Uint8Array(32))
    router = new BeliefRouter(world, { controlPlaneKey: undefined, handleSecret })
    keyring = new ControlPlaneKeyring(world.id)
    signer = await createSigner(seed)
    if (controlPlaneKey) await api.joinControlPlane(controlPlaneKey)
  },

  /**
   * The log's stored control-plane records, once, at start: evidence of past
   * epochs counts as it did when it arrived (nothing is late in a replay).
   * Epochs start closing only after it, so none closes before its evidence
   * is in.
   */
  async replay(records: PackedEvents): Promise<void> {
    for (const bytes of unpackEvents(records)) await take(bytes, true)
    ticking ??= setInterval(() => void tick(), TICK_MS)
  },

  /** Serves this API on `port` too: the log worker feeds stored events through it. */
  listen(port: MessagePort): void {
    Comlink.expose(api, port)
  },

  /** Joins the world's control plane with its master key (hex); sealed records held so far are opened with it. */
  async joinControlPlane(controlPlaneKey: string): Promise<void> {
    const key = fromHex(controlPlaneKey)
    const held = keyring!.join(key)
    current().setControlPlaneKey(key)
    for (const bytes of held) await take(bytes, false)
  },

  /** Control-plane records as the log stores them: the log worker hands over each stored batch in one call. */
  async ingest(records: PackedEvents): Promise<void> {
    for (const bytes of unpackEvents(records)) await take(bytes, false)
  },

  /** Seals events this peer signed (its prober's evidence) for the log to publish; refuses outside the control plane. */
  async seal(events: Uint8Array[]): Promise<Uint8Array[]> {
    if (!signer || !keyring) throw new Error('the router is not started yet')
    const sealed: Uint8Array[] = []
    for (const bytes of events) sealed.push(await keyring.seal(decodeEvent(bytes), signer))
    return sealed
  },

  /** The provider a prompt for `model` goes to (its key), by belief in the control plane, else uniformly. */
  async choose(providers: ProviderSummary[], model: string | undefined, contextTokens: number): Promise<{ providerKey: string; reason: string }> {
    const routed = await current().choose(providers, { model, contextTokens }, Math.random)
    return { providerKey: routed.provider.providerKey, reason: routed.reason }
  },

  /** The TargetRef (hex) of a provider this epoch, for this peer's prober; undefined outside the control plane. */
  async targetRef(providerKey: string): Promise<string | undefined> {
    const r = current()
    const ref = await r.targetRef(providerKey, epochAt(r.world.rules, Date.now()))
    return ref && toHex(ref)
  },

  /** This epoch's probe lottery for this peer's prober (the assignment key, hex, and the probers expected); undefined outside the control plane. */
  async probeAssignment(): Promise<{ key: string; expectedProbers: number } | undefined> {
    const r = current()
    const assignment = await r.probeAssignment(epochAt(r.world.rules, Date.now()))
    return assignment && { key: toHex(assignment.key), expectedProbers: assignment.expectedProbers }
  },

  /** Signed events this router made (disputes) for the log to publish; each is handed out once. */
  takeOutbox(): Uint8Array[] {
    return outbox.splice(0)
  },

  async snapshot(): Promise<RouterSnapshot> {
    const r = current()
    const now = Date.now()
    const beliefs = await r.beliefs(now)
    return {
      inControlPlane: r.inControlPlane,
      epoch: epochAt(r.world.rules, now).toString(),
      providers: beliefs.map(({ provider, handle, belief: { target: _, history, ...belief } }) => ({
        ...belief,
        providerKey: provider.providerKey,
        model: provider.model,
        handle: handle.slice(0, 12),
        history: history.map((p) => ({ ...p, epoch: p.epoch.toString() })),
      })),
      probers: r.probers(),
      disputes: [...r.disputes],
      rejections: Object.fromEntries(r.rejections),
      evidence: evidence.map((e) => ({ ...e, providerKey: r.providerOfTarget(e.targetRef) })),
    }
  },
}

async function tick(): Promise<void> {
  if (!router || !signer) return
  for (const pair of await router.tick(Date.now())) {
    outbox.push(await keyring!.seal(await disputeEvent(pair, signer), signer))
  }
}

/** A stored record to the router: opened first when sealed; kept for later when this peer has no key yet. */
async function take(bytes: Uint8Array, replay: boolean): Promise<void> {
  const r = current()
  const now = Date.now()
  // Stale evidence is turned away on its header: a fresh peer syncs it by the thousand.
  const epoch = evidenceEpochId(bytes)
  if (epoch !== undefined && r.refusesEvidenceOf(epoch, now, replay)) return
  try {
    const read = await keyring!.read(bytes)
    if (read.kind !== 'event') return
    if (r.ingest(read.event, now, replay)) noteEvidence(read.event)
  } catch (e) {
    if (!(e instanceof SealError)) throw e
    r.rejections.set(e.code, (r.rejections.get(e.code) ?? 0) + 1)
  }
}

/** Keeps what the Terrain view's evidence table lists. */
function noteEvidence(event: Event): void {
  const body = event.body
  if (body.type === 'receipt' || body.type === 'attestation') {
    const item = body.type === 'receipt' ? body.receipt : body.attestation
    evidence.unshift({
      eventId: toHex(event.eventId),
      kind: body.type,
      epoch: event.epochId.toString(),
      prober: toHex(item.proberTransportPubkey),
      targetRef: toHex(item.targetRef),
      providerKey: undefined,
      ...(body.type === 'attestation' ? { metrics: { ...body.attestation.metrics } } : {}),
    })
    evidence.length = Math.min(evidence.length, EVIDENCE_KEPT)
  }
}

export type RouterWorkerApi = typeof api
keepErrorCodesAcrossComlink()
Comlink.expose(api)
