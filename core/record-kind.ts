/**
 * Telling a log record's two kinds apart from its first bytes. A sealed
 * record begins with `SEALED_MAGIC`; a plain event begins with its event id,
 * a BLAKE3 output, so a plain event that began with the magic would need a
 * 64-bit hash prefix found by search.
 */
import { equalBytes, utf8 } from './bytes.js'

export const SEALED_MAGIC = utf8('sealed/1')

/** Whether log-record bytes are a sealed control-plane record rather than a plain event. */
export function isSealedRecord(record: Uint8Array): boolean {
  return record.length >= SEALED_MAGIC.length && equalBytes(record.subarray(0, SEALED_MAGIC.length), SEALED_MAGIC)
}
