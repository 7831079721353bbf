/** RelayOutbox: what one turn queues leaves packed, in order, split by destination and by cell room. */
import { describe, expect, it } from 'vitest'
import { relayPlaintextBytes, type RelayMessage } from '../../core/index.js'
import { RelayOutbox } from '../../core/circuit/relay-outbox.js'

const F = 256
const data = (streamId: number, bytes: number): RelayMessage => ({ command: 'data', streamId, data: new Uint8Array(bytes) })

function outbox() {
  const cells: { destination: number; streams: number[] }[] = []
  const box = new RelayOutbox(F, (destination, messages) => cells.push({ destination, streams: messages.map((m) => m.streamId) }))
  return { box, cells }
}

describe('RelayOutbox', () => {
  it('sends nothing within the turn, then one cell for what fits', async () => {
    const { box, cells } = outbox()
    box.push(3, { command: 'begin', streamId: 1, data: new Uint8Array(0) })
    box.push(3, data(1, 10))
    box.push(3, { command: 'end', streamId: 1, data: new Uint8Array(0) })
    expect(cells).toEqual([])
    await Promise.resolve()
    expect(cells).toEqual([{ destination: 3, streams: [1, 1, 1] }])
  })

  it('keeps the order, starting a cell when the destination changes or the room runs out', async () => {
    const { box, cells } = outbox()
    const room = relayPlaintextBytes(F)
    box.push(1, data(1, 10))
    box.push(2, data(2, 10))
    box.push(2, data(3, 10))
    box.push(1, data(4, room - 5)) // fills a cell alone
    box.push(1, data(5, 0))
    box.push(1, data(6, room - 10)) // 5 + 0 + 5 + room − 10 = room: still fits beside stream 5's
    box.push(1, data(7, 1))
    await Promise.resolve()
    expect(cells).toEqual([
      { destination: 1, streams: [1] },
      { destination: 2, streams: [2, 3] },
      { destination: 1, streams: [4] },
      { destination: 1, streams: [5, 6] },
      { destination: 1, streams: [7] },
    ])
  })

  it('flushes at once when asked, and clear drops what is queued', async () => {
    const { box, cells } = outbox()
    box.push(1, data(1, 1))
    box.flush()
    expect(cells).toEqual([{ destination: 1, streams: [1] }])
    box.push(1, data(2, 1))
    box.clear()
    await Promise.resolve()
    await Promise.resolve()
    expect(cells).toEqual([{ destination: 1, streams: [1] }])
  })
})
