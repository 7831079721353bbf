/**
 * Many events in one transferable buffer: posting one ArrayBuffer moves it
 * between threads without copying, where an array of small arrays would be
 * cloned piece by piece.
 */
import * as Comlink from 'comlink'

export interface PackedEvents {
  bytes: Uint8Array<ArrayBuffer>
  /** Event i is bytes[ends[i-1] ?? 0, ends[i]). */
  ends: Uint32Array<ArrayBuffer>
}

export function packEvents(events: readonly Uint8Array[]): PackedEvents {
  const ends = new Uint32Array(events.length)
  let total = 0
  events.forEach((e, i) => (ends[i] = total += e.length))
  const bytes = new Uint8Array(total)
  events.forEach((e, i) => bytes.set(e, (ends[i] ?? 0) - e.length))
  return { bytes, ends }
}

/** `events` packed and marked for Comlink to move, not copy, as an argument or result. */
export function transferPacked(events: readonly Uint8Array[]): PackedEvents {
  const packed = packEvents(events)
  return Comlink.transfer(packed, [packed.bytes.buffer, packed.ends.buffer])
}

export function unpackEvents({ bytes, ends }: PackedEvents): Uint8Array[] {
  const events: Uint8Array[] = []
  let start = 0
  for (const end of ends) {
    events.push(bytes.subarray(start, end))
    start = end
  }
  return events
}
