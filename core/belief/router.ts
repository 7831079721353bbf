/**
 * A router's control-plane state, fed by the events of its log: it knows the
 * providers (descriptors), computes their TargetRefs each epoch with the
 * world's control-plane key, holds each epoch's receipts and attestations
 * until the epoch is over, passes them through the evidence gate, raises
 * disputes, and closes the epoch in its belief field. Beliefs are keyed by
 * Handles (`H("handle" || router secret || provider key)`), which stay the
 * same while TargetRefs rotate and never leave this router.
 *
 * Without the control-plane key a router cannot tell which provider evidence
 * is about; it then holds no beliefs and routes uniformly.
 */
import { fromHex, toHex } from '../bytes.js'
import { epochAt } from '../epoch.js'
import { deriveControlPlaneKey, deriveHandle, deriveTargetRef } from '../ids.js'
import { assignmentValue, deriveAssignmentKey, type ProbeAssignment } from '../probe/assignment.js'
import { DisputeWatcher, type DisputePair } from '../probe/disputes.js'
import { EvidenceGate, type EvidenceGateSettings } from '../probe/evidence.js'
import { ProbeError } from '../probe/errors.js'
import { ProviderDirectory, type ProviderSummary } from '../provider-directory.js'
import type { BehaviorAttestation, Bytes32, Event, ProbeReceipt } from '../types.js'
import type { World } from '../world.js'
import { BeliefField, quietThrough, type ProberTrust, type ProviderBelief } from './field.js'
import { chooseProvider, chooseUniform, type RoutableProvider, type RouteReason, type RouteRequest, type Uniform } from './routing.js'
import { BeliefError, type BeliefSettings } from './settings.js'

export interface BeliefRouterOptions {
  /** The world's control-plane master key; undefined for a router outside the control plane. */
  controlPlaneKey: Bytes32 | undefined
  /** This router's own secret for Handles (never sent). */
  handleSecret: Uint8Array
  belief?: Partial<BeliefSettings>
  gate?: Partial<EvidenceGateSettings>
  /** Share of an epoch to wait after it ends before closing it, for late evidence to arrive, in [0, 1). */
  closeGrace?: number
}

/** A dispute seen in the log or raised here. */
export interface DisputeView {
  epoch: string
  eventA: string
  eventB: string
  reason: string
  /** Hex key of who raised it ('this router' for ones raised here and not yet published). */
  by: string
}

export interface RoutedProvider {
  provider: ProviderSummary
  handle: string
  reason: RouteReason | 'uniform'
}

interface HeldEvidence {
  receipts: ProbeReceipt[]
  attestations: { eventId: Bytes32; attestation: BehaviorAttestation }[]
}

export class BeliefRouter {
  readonly field: BeliefField
  readonly directory: ProviderDirectory
  readonly rejections = new Map<string, number>()
  readonly disputes: DisputeView[] = []
  private readonly gate: EvidenceGate
  private readonly watcher: DisputeWatcher
  private readonly held = new Map<bigint, HeldEvidence>()
  private readonly handleOfProvider = new Map<string, string>()
  /** TargetRef hex → provider key, for every epoch whose targets were computed (the provider's handle is computed with them). */
  private readonly providerOfTargetRef = new Map<string, string>()
  /** Every descriptor seen, by provider key then descriptor epoch: TargetRefs of a past epoch name the descriptor current then. */
  private readonly descriptors = new Map<string, Map<bigint, Bytes32>>()
  private readonly targetsComputed = new Set<bigint>()
  private readonly closeGrace: number

  constructor(
    readonly world: World,
    private options: BeliefRouterOptions,
  ) {
    this.field = new BeliefField(world.rules, options.belief)
    this.directory = new ProviderDirectory(world.id)
    this.gate = new EvidenceGate(world.id, options.gate)
    this.watcher = new DisputeWatcher(world.rules, this.field.settings.latencyRefMs)
    this.closeGrace = options.closeGrace ?? 0.5
  }

  /** Joins (or changes) the control plane: TargetRefs are computed anew with this key from now on. */
  setControlPlaneKey(key: Bytes32): void {
    this.options = { ...this.options, controlPlaneKey: key }
    this.targetsComputed.clear()
  }

  get inControlPlane(): boolean {
    return this.options.controlPlaneKey !== undefined
  }

  /**
   * Takes one validated event from the log. Evidence of an epoch not accepted now
   * is refused at once (unless `replay`: the log's own history at start);
   * the rest waits for its epoch to close. True when the event was taken
   * (a descriptor, a dispute, or evidence held for its epoch).
   */
  ingest(event: Event, nowMs: number, replay = false): boolean {
    const body = event.body
    if (body.type === 'descriptorPublish') {
      this.directory.add(event)
      const d = body.descriptorPublish.descriptor
      const key = toHex(d.providerTransportPubkey)
      const byEpoch = this.descriptors.get(key) ?? new Map<bigint, Bytes32>()
      byEpoch.set(d.unsigned.descriptorEpoch, d.descriptorId)
      this.descriptors.set(key, byEpoch)
      // It names this provider in its own epoch and the next: their targets are computed anew when next needed.
      this.targetsComputed.delete(d.unsigned.descriptorEpoch)
      this.targetsComputed.delete(d.unsigned.descriptorEpoch + 1n)
      return true
    }
    if (body.type === 'dispute') {
      const d = body.dispute
      this.disputes.push({ epoch: d.epochId.toString(), eventA: toHex(d.eventA), eventB: toHex(d.eventB), reason: d.reason, by: toHex(d.disputerTransportPubkey) })
      return true
    }
    if (body.type !== 'receipt' && body.type !== 'attestation') return false
    const epoch = event.epochId
    if (this.refusesEvidenceOf(epoch, nowMs, replay)) return false
    const held = this.held.get(epoch) ?? { receipts: [], attestations: [] }
    this.held.set(epoch, held)
    if (body.type === 'receipt') held.receipts.push(body.receipt)
    else held.attestations.push({ eventId: event.eventId, attestation: body.attestation })
    return true
  }

  /**
   * Whether evidence (a receipt or attestation) of `epoch` is refused
   * whatever it says: its epoch is closed already, or (unless `replay`)
   * outside the span of epochs it accepts. Counts the refusal. `ingest` asks it; a
   * router's owner may ask first, from an event's header, and skip decoding
   * the stale evidence a fresh peer syncs by the thousand.
   */
  refusesEvidenceOf(epoch: bigint, nowMs: number, replay = false): boolean {
    const closedThrough = this.field.closedThrough
    if (closedThrough !== undefined && epoch <= closedThrough) {
      this.reject('late')
      return true
    }
    if (!replay && !this.gate.acceptsEpoch(epoch, epochAt(this.world.rules, nowMs))) {
      this.reject('out-of-epoch')
      return true
    }
    return false
  }

  /** Closes every epoch whose grace period has passed; returns the disputes raised, for the caller to sign and publish. */
  async tick(nowMs: number): Promise<DisputePair[]> {
    const now = epochAt(this.world.rules, nowMs)
    const closable = epochAt(this.world.rules, nowMs - this.closeGrace * Number(this.world.rules.epochLenMs)) - 1n
    const raised: DisputePair[] = []
    const closedThrough = this.field.closedThrough
    const first = closedThrough !== undefined ? closedThrough + 1n : [...this.held.keys()].reduce((a, b) => (b < a ? b : a), closable)
    // In order, every epoch: ones nobody reported on still widen each belief's uncertainty, a run of them at once.
    for (let epoch = first; epoch <= closable; ) {
      if (this.held.has(epoch)) {
        raised.push(...(await this.close(epoch)))
        epoch++
        continue
      }
      const quiet = quietThrough(this.held.keys(), epoch, closable)
      this.field.closeEpochs(epoch, quiet)
      epoch = quiet + 1n
    }
    await this.targetsFor(now)
    return raised
  }

  /** The provider to ask: by belief when in the control plane, else uniformly. Throws `BeliefError('no-compatible-provider')`. */
  async choose(providers: readonly ProviderSummary[], request: RouteRequest, random: Uniform): Promise<RoutedProvider> {
    const routable = await Promise.all(
      providers.map(async (summary): Promise<RoutableProvider & { summary: ProviderSummary }> => ({ key: summary.providerKey, target: await this.handle(summary.providerKey), model: summary.model, contextLimit: summary.contextLimit, summary })),
    )
    if (!this.inControlPlane) {
      const { summary, target } = chooseUniform(routable, request, random)
      return { provider: summary, handle: target, reason: 'uniform' }
    }
    const { provider, reason } = chooseProvider(routable, request, (handle) => this.field.estimate(handle), this.world.rules, random)
    return { provider: provider.summary, handle: provider.target, reason }
  }

  /** Every known provider's belief (by its current descriptor), for showing. */
  async beliefs(nowMs: number): Promise<{ provider: ProviderSummary; handle: string; belief: ProviderBelief }[]> {
    const providers = this.directory.summaries(epochAt(this.world.rules, nowMs))
    return Promise.all(providers.map(async (provider) => {
      const handle = await this.handle(provider.providerKey)
      return { provider, handle, belief: this.field.belief(handle) }
    }))
  }

  probers(): ProberTrust[] {
    return this.field.probers()
  }

  /** The TargetRef of a provider for `epoch`: what a prober of this router's control plane puts in its evidence. */
  async targetRef(providerKey: string, epoch: bigint): Promise<Bytes32 | undefined> {
    const key = this.options.controlPlaneKey
    const descriptorId = this.descriptorsAt(providerKey, epoch)[0]
    if (!key || !descriptorId) return undefined
    return deriveTargetRef(await deriveControlPlaneKey(key, this.world.id, epoch), this.world.id, epoch, descriptorId)
  }

  /**
   * This router's probe lottery for `epoch`, for its own prober: the
   * epoch's assignment key and the probers its field counted two epochs
   * back. Undefined outside the control plane (no key to draw with).
   */
  async probeAssignment(epoch: bigint): Promise<ProbeAssignment | undefined> {
    const key = this.options.controlPlaneKey
    if (!key) return undefined
    return { key: await deriveAssignmentKey(key, this.world.id, epoch), expectedProbers: this.field.expectedProbers(epoch) }
  }

  /** The provider's descriptors that were current in `epoch` (its own, or the one before, until the new one spread), newest first. */
  private descriptorsAt(providerKey: string, epoch: bigint): Bytes32[] {
    const byEpoch = this.descriptors.get(providerKey)
    if (!byEpoch) return []
    return [epoch, epoch - 1n].flatMap((e) => (byEpoch.has(e) ? [byEpoch.get(e)!] : []))
  }

  /** The provider key a TargetRef (hex) stands for, once its epoch's targets were computed here. */
  providerOfTarget(targetRef: string): string | undefined {
    return this.providerOfTargetRef.get(targetRef)
  }

  private async close(epoch: bigint): Promise<DisputePair[]> {
    const held = this.held.get(epoch)!
    this.held.delete(epoch)
    await this.targetsFor(epoch)
    const judgedAt = epoch + 1n
    for (const receipt of held.receipts) {
      try {
        await this.gate.admitReceipt(receipt, judgedAt)
      } catch (e) {
        this.rejectError(e)
      }
    }
    const raised: DisputePair[] = []
    // Every report's lottery draw, recomputed: the field hears assigned probers first when too many report on one target.
    const assignKey = this.options.controlPlaneKey && (await deriveAssignmentKey(this.options.controlPlaneKey, this.world.id, epoch))
    for (const { eventId, attestation } of held.attestations) {
      try {
        const { ticketed } = await this.gate.admitAttestation(attestation, judgedAt)
        const handle = this.handleOfTarget(toHex(attestation.targetRef))
        const assignment = assignKey ? await assignmentValue(assignKey, attestation.proberTransportPubkey, attestation.targetRef) : undefined
        this.field.addReport({ prober: toHex(attestation.proberTransportPubkey), target: handle, epoch, metrics: attestation.metrics }, { ticketed, assignment })
        raised.push(...this.watcher.add({ eventId, attestation }))
      } catch (e) {
        this.rejectError(e)
      }
    }
    this.field.closeEpoch(epoch)
    for (const pair of raised) {
      this.disputes.push({ epoch: epoch.toString(), eventA: toHex(pair.a.eventId), eventB: toHex(pair.b.eventId), reason: pair.reason, by: 'this router' })
    }
    this.gate.forgetBefore(epoch)
    this.watcher.forgetBefore(epoch)
    return raised
  }

  private async targetsFor(epoch: bigint): Promise<void> {
    const key = this.options.controlPlaneKey
    if (!key || this.targetsComputed.has(epoch)) return
    const cpk = await deriveControlPlaneKey(key, this.world.id, epoch)
    const refs: string[] = []
    for (const providerKey of this.descriptors.keys()) {
      for (const descriptorId of this.descriptorsAt(providerKey, epoch)) {
        const ref = toHex(await deriveTargetRef(cpk, this.world.id, epoch, descriptorId))
        await this.handle(providerKey)
        this.providerOfTargetRef.set(ref, providerKey)
        refs.push(ref)
      }
    }
    this.gate.setTargets(epoch, refs)
    this.targetsComputed.add(epoch)
  }

  private async handle(providerKey: string): Promise<string> {
    let handle = this.handleOfProvider.get(providerKey)
    if (!handle) {
      handle = toHex(await deriveHandle(this.options.handleSecret, fromHex(providerKey)))
      this.handleOfProvider.set(providerKey, handle)
    }
    return handle
  }

  /** The handle of the provider a TargetRef (hex) stands for: computed with the TargetRef in `targetsFor`. */
  private handleOfTarget(targetRef: string): string {
    return this.handleOfProvider.get(this.providerOfTargetRef.get(targetRef)!)!
  }

  private rejectError(e: unknown): void {
    if (e instanceof ProbeError || e instanceof BeliefError) return this.reject(e.code)
    throw e
  }

  private reject(reason: string): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1)
  }
}
