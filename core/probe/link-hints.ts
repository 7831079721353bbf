/**
 * Link hints: evidence that two TargetRefs are one provider. A prober sends
 * the same linking challenges to every target of an epoch; two targets that
 * give the same answer to nearly every one (failures included, which no two
 * different models share by chance) are most likely one provider under two
 * descriptors. The hint carries the share of identical answers as its
 * compatibility score and commits to the outcomes it rests on; routers may
 * then count the two as one when they spread traffic. Never a score of
 * quality: only how alike two targets behave.
 */
import { compareBytes, utf8 } from '../bytes.js'
import { createEvent } from '../events.js'
import { blake3 } from '../hash.js'
import { signLinkHint, type Signer } from '../signing.js'
import type { Bytes32, Event } from '../types.js'

export interface TargetTranscript {
  targetRef: Bytes32
  /** Challenge id (hex) → the answer given (undefined: none). */
  answers: ReadonlyMap<string, string | undefined>
  /** Outcome commitments of the receipts behind these answers. */
  outcomeCommitments: readonly Bytes32[]
}

export interface LinkHintSettings {
  /** Share of identical answers from which two targets are hinted to be one, in (0, 1]. */
  minIdenticalShare: number
  /** Challenges both targets answered before a share means anything, ≥ 1. */
  minSharedChallenges: number
}

export const defaultLinkHintSettings: Readonly<LinkHintSettings> = Object.freeze({ minIdenticalShare: 0.95, minSharedChallenges: 12 })

export interface LinkHint {
  targetA: Bytes32
  targetB: Bytes32
  compatibilityScore: number
  evidenceCommitment: Bytes32
}

/** The hint two transcripts support, or undefined. */
export async function linkHintFor(x: TargetTranscript, y: TargetTranscript, settings: LinkHintSettings = defaultLinkHintSettings): Promise<LinkHint | undefined> {
  const shared = [...x.answers.keys()].filter((id) => y.answers.has(id))
  if (shared.length < settings.minSharedChallenges) return undefined
  const identical = shared.filter((id) => x.answers.get(id) === y.answers.get(id)).length / shared.length
  if (identical < settings.minIdenticalShare) return undefined
  const [a, b] = compareBytes(x.targetRef, y.targetRef) < 0 ? [x, y] : [y, x]
  const commitments = [...a.outcomeCommitments, ...b.outcomeCommitments].sort(compareBytes)
  return { targetA: a.targetRef, targetB: b.targetRef, compatibilityScore: identical, evidenceCommitment: await blake3(utf8('link'), ...commitments) }
}

/** Every hinted pair among one epoch's transcripts. */
export async function linkHintsAmong(transcripts: readonly TargetTranscript[], settings: LinkHintSettings = defaultLinkHintSettings): Promise<LinkHint[]> {
  const hints: LinkHint[] = []
  for (let i = 0; i < transcripts.length; i++) {
    for (let j = i + 1; j < transcripts.length; j++) {
      const hint = await linkHintFor(transcripts[i]!, transcripts[j]!, settings)
      if (hint) hints.push(hint)
    }
  }
  return hints
}

export async function linkHintEvent(hint: LinkHint, world: Bytes32, epochId: bigint, signer: Signer): Promise<Event> {
  const linkHint = await signLinkHint({ world, epochId, ...hint }, signer)
  return createEvent({ type: 'linkHint', linkHint })
}
