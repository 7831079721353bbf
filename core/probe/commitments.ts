/**
 * What an attestation commits to. Its `challenge_id` is the commitment to the
 * whole suite it ran on the target (each challenge id is already a salted
 * commitment), and its `evidence_commitment` binds the receipts it summarises,
 * so a router holding those receipts can check that the attestation claims no
 * more probing than was signed for. Both sort first: order carries no meaning.
 */
import { compareBytes, utf8 } from '../bytes.js'
import { blake3 } from '../hash.js'
import type { Bytes32 } from '../types.js'

const sorted = (ids: readonly Bytes32[]) => [...ids].sort(compareBytes)

/** `H("suite" || sorted challenge ids)`. */
export function suiteCommitment(challengeIds: readonly Bytes32[]): Promise<Bytes32> {
  return blake3(utf8('suite'), ...sorted(challengeIds))
}

/** `H("evidence" || sorted receipt ids)`. */
export function evidenceCommitment(receiptIds: readonly Bytes32[]): Promise<Bytes32> {
  return blake3(utf8('evidence'), ...sorted(receiptIds))
}
