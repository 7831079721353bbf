/** Probing: challenge suites, scoring, signed evidence, tickets, the evidence gate, disputes and link hints. */
export { ProbeError, type ProbeErrorCode } from './errors.js'
export { assignmentThreshold, assignmentValue, assignTargets, deriveAssignmentKey, expectedProbers, type ProbeAssignment } from './assignment.js'
export { createChallengeSuite, DEFAULT_BASES_PER_TASK, MAX_BASES_PER_TASK, type Challenge, type ChallengeKind, type SuiteOptions } from './challenges.js'
export { metricsFromOutcomes, outcomeCommitment, scoreAnswer, type ProbeOutcome } from './metrics.js'
export { evidenceCommitment, suiteCommitment } from './commitments.js'
export { createTicketSettings, defaultTicketSettings, expectedEvaluations, validateTicketSettings, type TicketSettings } from './ticket-settings.js'
export { mintTicket, verifyTicket, type AbortSignalLike, type MintedTicket, type TicketBinding } from './ticket.js'
export {
  createEvidenceGateSettings,
  defaultEvidenceGateSettings,
  EvidenceGate,
  validateEvidenceGateSettings,
  type AdmittedAttestation,
  type EvidenceGateSettings,
} from './evidence.js'
export { DisputeWatcher, disputeEvent, type DisputePair, type StoredAttestation } from './disputes.js'
export { defaultLinkHintSettings, linkHintEvent, linkHintFor, linkHintsAmong, type LinkHint, type LinkHintSettings, type TargetTranscript } from './link-hints.js'
export {
  createProberSettings,
  defaultProberSettings,
  runProbeEpoch,
  validateProberSettings,
  type AskTarget,
  type ProbeEpochOptions,
  type ProbeEpochResult,
  type ProbeProgress,
  type ProberSettings,
  type ProbeTarget,
  type TargetResult,
} from './prober.js'
