/**
 * The gate evidence passes before it counts in a router's belief field.
 *
 * The log has already checked signatures and ids (a forged receipt or
 * attestation never gets this far) and drops byte-identical copies. What only
 * a control-plane member can check is left for here: the world, the epoch
 * window, whether the TargetRef names a provider of that epoch (which needs
 * the control-plane key), replays under a new id, and probe tickets. Every
 * refusal is a typed `ProbeError`; the gate's state is never changed by one.
 */
import { equalBytes, toHex } from '../bytes.js'
import type { BehaviorAttestation, Bytes32, ProbeReceipt } from '../types.js'
import { evidenceCommitment } from './commitments.js'
import { ProbeError } from './errors.js'
import { verifyTicket } from './ticket.js'
import { defaultTicketSettings, type TicketSettings } from './ticket-settings.js'

export interface EvidenceGateSettings {
  /**
   * Epochs before the current one whose evidence is still taken, ≥ 0: an
   * attestation is made at its epoch's end and needs time to spread. Anything
   * older is out of epoch, and so is anything from an epoch not yet begun.
   */
  acceptedPastEpochs: number
  /** The ticket parameters and difficulty this world accepts. */
  tickets: TicketSettings
}

export const defaultEvidenceGateSettings: Readonly<EvidenceGateSettings> = Object.freeze({
  acceptedPastEpochs: 1,
  tickets: defaultTicketSettings,
})

export function validateEvidenceGateSettings(s: EvidenceGateSettings): EvidenceGateSettings {
  if (!Number.isInteger(s.acceptedPastEpochs) || s.acceptedPastEpochs < 0 || s.acceptedPastEpochs > 64) {
    throw new ProbeError('invalid-setting', `acceptedPastEpochs must be an integer in [0, 64], got ${s.acceptedPastEpochs}`)
  }
  return s
}

export function createEvidenceGateSettings(partial: Partial<EvidenceGateSettings> = {}): EvidenceGateSettings {
  return validateEvidenceGateSettings({ ...defaultEvidenceGateSettings, ...partial })
}

/** What the gate learned from admitted evidence that the belief field needs. */
export interface AdmittedAttestation {
  /** The prober showed a valid ticket for this epoch in one of its receipts. */
  ticketed: boolean
}

const key = (...parts: Uint8Array[]) => parts.map(toHex).join('/')

/** What the gate holds about one epoch; dropped whole once the epoch is too old to accept. */
interface EpochEvidence {
  /** TargetRefs (hex) of the providers known for the epoch. */
  targets: Set<string>
  /** prober/target/challenge of every admitted receipt. */
  receiptChallenges: Set<string>
  /** prober/target → the ids of its admitted receipts. */
  receiptsByReport: Map<string, Bytes32[]>
  /** prober/target of every admitted attestation. */
  attested: Set<string>
  /** Prober → the ticket (nonce and parameters) verified for it: a prober shows one ticket in every receipt, verified once. */
  ticketed: Map<string, string>
}

export class EvidenceGate {
  readonly settings: EvidenceGateSettings
  private readonly epochs = new Map<bigint, EpochEvidence>()

  constructor(
    readonly world: Bytes32,
    settings: Partial<EvidenceGateSettings> = {},
  ) {
    this.settings = createEvidenceGateSettings(settings)
  }

  /** The TargetRefs (hex) of the providers known for `epoch`, computed with the control-plane key. */
  setTargets(epoch: bigint, targetRefs: Iterable<string>): void {
    this.epoch(epoch).targets = new Set(targetRefs)
  }

  /** Drops everything about epochs before `epoch`: evidence for them is out of epoch from now on anyway. */
  forgetBefore(epoch: bigint): void {
    for (const e of this.epochs.keys()) if (e < epoch) this.epochs.delete(e)
  }

  async admitReceipt(receipt: ProbeReceipt, currentEpoch: bigint): Promise<void> {
    const held = this.checkPlace(receipt.world, receipt.epochId, receipt.targetRef, currentEpoch)
    const challenge = key(receipt.proberTransportPubkey, receipt.targetRef, receipt.challengeId)
    if (held.receiptChallenges.has(challenge)) {
      throw new ProbeError('replayed', `prober ${toHex(receipt.proberTransportPubkey).slice(0, 12)}… already has a receipt for challenge ${toHex(receipt.challengeId).slice(0, 12)}… on this target`)
    }
    if (receipt.ticket) {
      const prober = toHex(receipt.proberTransportPubkey)
      const { ticketBytes, paramsN, paramsR, paramsP } = receipt.ticket
      const ticket = `${toHex(ticketBytes)}/${paramsN}/${paramsR}/${paramsP}`
      if (held.ticketed.get(prober) !== ticket) {
        await verifyTicket(receipt.ticket, { world: receipt.world, epoch: receipt.epochId, proberPubkey: receipt.proberTransportPubkey }, this.settings.tickets)
        held.ticketed.set(prober, ticket)
      }
    }
    held.receiptChallenges.add(challenge)
    const report = key(receipt.proberTransportPubkey, receipt.targetRef)
    held.receiptsByReport.set(report, [...(held.receiptsByReport.get(report) ?? []), receipt.receiptId])
  }

  /** Admits one prober's attestation on a target for an epoch; the first one stands. Receipts should be admitted first. */
  async admitAttestation(a: BehaviorAttestation, currentEpoch: bigint): Promise<AdmittedAttestation> {
    const held = this.checkPlace(a.world, a.epochId, a.targetRef, currentEpoch)
    const report = key(a.proberTransportPubkey, a.targetRef)
    if (held.attested.has(report)) {
      throw new ProbeError('replayed', `prober ${toHex(a.proberTransportPubkey).slice(0, 12)}… already attested this target for epoch ${a.epochId}`)
    }
    const receipts = held.receiptsByReport.get(report) ?? []
    if (receipts.length === 0 || !equalBytes(await evidenceCommitment(receipts), a.evidenceCommitment)) {
      throw new ProbeError('evidence-mismatch', `the attestation's evidence commitment does not match the ${receipts.length} receipts its prober signed for this target and epoch`)
    }
    held.attested.add(report)
    return { ticketed: held.ticketed.has(toHex(a.proberTransportPubkey)) }
  }

  /** Throws `ProbeError('out-of-epoch')` for evidence of an epoch not accepted while `currentEpoch` is current. */
  checkEpoch(epoch: bigint, currentEpoch: bigint): void {
    if (!this.acceptsEpoch(epoch, currentEpoch)) {
      throw new ProbeError('out-of-epoch', `evidence for epoch ${epoch} while epoch ${currentEpoch} is current (accepted back to ${currentEpoch - BigInt(this.settings.acceptedPastEpochs)})`)
    }
  }

  /** `checkEpoch` without the error: for callers that turn away many records at once. */
  acceptsEpoch(epoch: bigint, currentEpoch: bigint): boolean {
    return epoch <= currentEpoch && epoch >= currentEpoch - BigInt(this.settings.acceptedPastEpochs)
  }

  private epoch(epoch: bigint): EpochEvidence {
    let held = this.epochs.get(epoch)
    if (!held) {
      held = { targets: new Set(), receiptChallenges: new Set(), receiptsByReport: new Map(), attested: new Set(), ticketed: new Map() }
      this.epochs.set(epoch, held)
    }
    return held
  }

  /** Throws unless the evidence is of this world, in the epoch window and about a known target; returns what is held for its epoch. */
  private checkPlace(world: Bytes32, epoch: bigint, targetRef: Bytes32, currentEpoch: bigint): EpochEvidence {
    if (!equalBytes(world, this.world)) throw new ProbeError('wrong-world', 'evidence for another world')
    this.checkEpoch(epoch, currentEpoch)
    const held = this.epochs.get(epoch)
    if (!held?.targets.has(toHex(targetRef))) {
      throw new ProbeError('unknown-target', `TargetRef ${toHex(targetRef).slice(0, 12)}… names no provider known for epoch ${epoch}`)
    }
    return held
  }
}
