/** Coalescing a stream's small writes into fewer cells: timing, order, failures, and a property over random schedules. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CircuitError, CoalescingWriter, ManualScheduler, type CircuitStream } from '../../core/index.js'
import { concatBytes } from '../../core/bytes.js'

/** A stream that records what is written to it and when, and can be made to fail. */
function recordingStream(scheduler: ManualScheduler) {
  const writes: { at: number; bytes: Uint8Array }[] = []
  let failWith: Error | undefined
  const stream = {
    id: 1,
    write(bytes: Uint8Array) {
      if (failWith) throw failWith
      writes.push({ at: scheduler.now(), bytes: bytes.slice() })
    },
    end() {},
    abort() {},
    [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ done: true as const, value: undefined }) }),
  } satisfies CircuitStream
  return { stream, writes, fail: (e: Error) => (failWith = e) }
}

const bytes = (...xs: number[]) => new Uint8Array(xs)
const concatAll = (items: readonly Uint8Array[]) => concatBytes(...items)

describe('CoalescingWriter', () => {
  it('sends the first write at once and gathers the next ones until the interval ends', () => {
    const scheduler = new ManualScheduler()
    const { stream, writes } = recordingStream(scheduler)
    const writer = new CoalescingWriter(stream, scheduler, 16, concatAll)
    writer.write(bytes(1))
    expect(writes).toEqual([{ at: 0, bytes: bytes(1) }])
    scheduler.advance(5)
    writer.write(bytes(2))
    scheduler.advance(5)
    writer.write(bytes(3))
    expect(writes).toHaveLength(1)
    scheduler.advance(6)
    expect(writes).toEqual([{ at: 0, bytes: bytes(1) }, { at: 16, bytes: bytes(2, 3) }])
    // Quiet for an interval: the next write leaves at once again.
    scheduler.advance(40)
    writer.write(bytes(4))
    expect(writes.at(-1)).toEqual({ at: 56, bytes: bytes(4) })
  })

  it('holds bytes until the next write, and writeNow sends everything without waiting', () => {
    const scheduler = new ManualScheduler()
    const { stream, writes } = recordingStream(scheduler)
    const writer = new CoalescingWriter(stream, scheduler, 16, concatAll)
    writer.hold(bytes(9))
    expect(writes).toHaveLength(0)
    writer.write(bytes(1))
    writer.write(bytes(2))
    writer.writeNow(bytes(3))
    expect(writes.map((w) => [...w.bytes])).toEqual([[9, 1], [2, 3]])
    scheduler.advance(100) // the cancelled timer sends nothing more
    expect(writes).toHaveLength(2)
  })

  it('writes through with an interval of 0', () => {
    const scheduler = new ManualScheduler()
    const { stream, writes } = recordingStream(scheduler)
    const writer = new CoalescingWriter(stream, scheduler, 0, concatAll)
    for (let i = 0; i < 5; i++) writer.write(bytes(i))
    expect(writes.map((w) => [...w.bytes])).toEqual([[0], [1], [2], [3], [4]])
  })

  it('keeps a failure from a timed flush and throws it at the next write', () => {
    const scheduler = new ManualScheduler()
    const { stream, fail } = recordingStream(scheduler)
    const writer = new CoalescingWriter(stream, scheduler, 16, concatAll)
    writer.write(bytes(1))
    writer.write(bytes(2))
    const gone = new CircuitError('circuit/destroyed', 'the circuit is gone')
    fail(gone)
    expect(() => scheduler.advance(16)).not.toThrow()
    expect(writer.failed).toBe(true)
    expect(() => writer.write(bytes(3))).toThrow(gone)
    expect(() => writer.writeNow(bytes(4))).toThrow(gone)
  })

  it.each([-1, 1001, Number.NaN, Number.POSITIVE_INFINITY])('refuses an interval of %s', (interval) => {
    const scheduler = new ManualScheduler()
    expect(() => new CoalescingWriter(recordingStream(scheduler).stream, scheduler, interval, concatAll)).toThrow(
      expect.objectContaining({ code: 'circuit/invalid-setting', reason: 'intervalMs' }),
    )
  })

  it('property: every byte arrives once and in order, and timed writes are an interval apart', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 40 }), data: fc.uint8Array({ minLength: 1, maxLength: 8 }) }), { maxLength: 60 }),
        (interval, steps) => {
          const scheduler = new ManualScheduler()
          const { stream, writes } = recordingStream(scheduler)
          const writer = new CoalescingWriter(stream, scheduler, interval, concatAll)
          for (const step of steps) {
            scheduler.advance(step.gap)
            writer.write(step.data)
          }
          const lastTimed = writes.length
          writer.writeNow(bytes(255))
          expect(concatBytes(...writes.map((w) => w.bytes))).toEqual(concatBytes(...steps.map((s) => s.data), bytes(255)))
          for (let i = 1; i < lastTimed; i++) expect(writes[i]!.at - writes[i - 1]!.at).toBeGreaterThanOrEqual(interval)
        },
      ),
    )
  })
})
