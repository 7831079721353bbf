/** The cell and relay-message formats: examples of every rule, and properties over random bytes. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CELL_HEADER_BYTES,
  CellMux,
  CircuitError,
  DESTROY_REASONS,
  EXTEND_FAILURES,
  RELAY_COMMANDS,
  decodeCreate,
  decodeCreated,
  decodeDestroy,
  decodeExtend,
  decodeExtendFailed,
  decodeExtended,
  decodeRelayMessages,
  encodeCell,
  encodeCreate,
  encodeCreated,
  encodeDestroy,
  encodeExtend,
  encodeRelayMessages,
  maxRelayData,
  readCellHeader,
  relayPlaintextBytes,
  toHex,
  utf8,
  type CellChannel,
  type CellReceiver,
  type CircuitEnd,
  type DestroyReason,
  type RelayCommand,
} from '../../core/index.js'
import { errorCode } from './helpers.js'

const codeOf = (run: () => unknown) => errorCode(run, CircuitError)

const F = 256
const RUNS = 300


/** Runs `decode`; anything other than success or a `CircuitError` fails the property. */
function decodesOrCircuitError(decode: () => unknown): void {
  try {
    decode()
  } catch (e) {
    if (!(e instanceof CircuitError)) throw e
  }
}

describe('cell header', () => {
  it('is circ_id u32 BE | command u8 | seq u64 BE, then the body', () => {
    const cell = encodeCell(F, { circuitId: 0x8000_0001, command: 'relay', seq: 0x1_0000_0002 }, new Uint8Array([0xaa]))
    expect(cell.length).toBe(F)
    expect(toHex(cell.subarray(0, 14))).toBe('80000001' + '03' + '0000000100000002' + 'aa')
    expect(readCellHeader(cell, F)).toEqual({ circuitId: 0x8000_0001, command: 'relay', seq: 0x1_0000_0002 })
  })

  it('refuses a wrong length, circuit id 0, an unknown command, a huge seq, and seq ≠ 0 outside RELAY', () => {
    const good = encodeCell(F, { circuitId: 5, command: 'relay', seq: 1 })
    expect(codeOf(() => readCellHeader(good.subarray(0, F - 1), F))).toBe('circuit/bad-cell-length')
    expect(codeOf(() => readCellHeader(new Uint8Array(F + 1), F))).toBe('circuit/bad-cell-length')
    expect(codeOf(() => readCellHeader(new Uint8Array(F), F))).toBe('circuit/bad-circuit-id')
    const unknown = good.slice()
    unknown[4] = 9
    expect(codeOf(() => readCellHeader(unknown, F))).toBe('circuit/unknown-command')
    const huge = good.slice()
    huge[5] = 0x01
    expect(codeOf(() => readCellHeader(huge, F))).toBe('circuit/bad-cell')
    expect(codeOf(() => readCellHeader(encodeCell(F, { circuitId: 5, command: 'destroy', seq: 3 }), F))).toBe('circuit/bad-cell')
  })

  it('round-trips any valid header; random bytes decode or raise a CircuitError', () => {
    const command = fc.constantFrom('create', 'created', 'relay', 'destroy') as fc.Arbitrary<'create' | 'created' | 'relay' | 'destroy'>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff_ffff }), command, fc.maxSafeNat(), (circuitId, cmd, seq) => {
        const header = { circuitId, command: cmd, seq: cmd === 'relay' ? seq : 0 }
        expect(readCellHeader(encodeCell(F, header), F)).toEqual(header)
      }),
      { numRuns: RUNS },
    )
    fc.assert(fc.property(fc.uint8Array({ maxLength: F + 8 }), (bytes) => decodesOrCircuitError(() => readCellHeader(bytes, F))), { numRuns: RUNS })
    fc.assert(fc.property(fc.uint8Array({ minLength: F, maxLength: F }), (bytes) => decodesOrCircuitError(() => readCellHeader(bytes, F))), { numRuns: RUNS })
  })
})

describe('CREATE, CREATED and DESTROY bodies', () => {
  const key = new Uint8Array(32).fill(7)
  const signature = new Uint8Array(64).fill(9)

  it('round-trip, and refuse non-zero padding', () => {
    expect(toHex(decodeCreate(encodeCreate(F, 1, key)))).toBe(toHex(key))
    const created = decodeCreated(encodeCreated(F, 1, { hopPublic: key, signature }))
    expect([toHex(created.hopPublic), toHex(created.signature)]).toEqual([toHex(key), toHex(signature)])
    for (const reason of Object.keys(DESTROY_REASONS) as DestroyReason[]) expect(decodeDestroy(encodeDestroy(F, 1, reason))).toBe(reason)
    const padded = (cell: Uint8Array) => {
      cell[F - 1] = 1
      return cell
    }
    expect(codeOf(() => decodeCreate(padded(encodeCreate(F, 1, key))))).toBe('circuit/bad-cell')
    expect(codeOf(() => decodeCreated(padded(encodeCreated(F, 1, { hopPublic: key, signature }))))).toBe('circuit/bad-cell')
    expect(codeOf(() => decodeDestroy(padded(encodeDestroy(F, 1, 'finished'))))).toBe('circuit/bad-cell')
    const unknownReason = encodeDestroy(F, 1, 'finished')
    unknownReason[CELL_HEADER_BYTES] = 200
    expect(codeOf(() => decodeDestroy(unknownReason))).toBe('circuit/bad-cell')
  })

  it('random bodies decode or raise a CircuitError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: F, maxLength: F }), (cell) => {
        decodesOrCircuitError(() => decodeCreate(cell))
        decodesOrCircuitError(() => decodeCreated(cell))
        decodesOrCircuitError(() => decodeDestroy(cell))
      }),
      { numRuns: RUNS },
    )
  })
})

describe('relay messages', () => {
  it('fill the plaintext exactly: header, data, zero padding', () => {
    expect(relayPlaintextBytes(1024)).toBe(1024 - 13 - 16)
    expect(maxRelayData(1024)).toBe(1024 - 13 - 16 - 5)
    const plaintext = encodeRelayMessages(F, [{ command: 'data', streamId: 0x0102, data: new Uint8Array([0xee, 0xff]) }])
    expect(plaintext.length).toBe(relayPlaintextBytes(F))
    expect(toHex(plaintext.subarray(0, 8))).toBe('05' + '0102' + '0002' + 'eeff' + '00')
    expect(() => encodeRelayMessages(F, [{ command: 'data', streamId: 1, data: new Uint8Array(maxRelayData(F) + 1) }])).toThrow(RangeError)
  })

  it('refuse unknown commands, lengths past the end, padding, and stream ids on the wrong kind of command', () => {
    const message = encodeRelayMessages(F, [{ command: 'data', streamId: 1, data: new Uint8Array(3) }])
    const with_ = (at: number, byte: number) => {
      const copy = message.slice()
      copy[at] = byte
      return copy
    }
    expect(codeOf(() => decodeRelayMessages(with_(0, 0)))).toBe('circuit/unknown-command')
    expect(codeOf(() => decodeRelayMessages(with_(0, 77)))).toBe('circuit/unknown-command')
    expect(codeOf(() => decodeRelayMessages(with_(3, 0xff)))).toBe('circuit/bad-cell')
    expect(codeOf(() => decodeRelayMessages(with_(message.length - 1, 1)))).toBe('circuit/bad-cell')
    expect(codeOf(() => decodeRelayMessages(with_(2, 0)))).toBe('circuit/bad-cell') // DATA on stream 0
    expect(codeOf(() => decodeRelayMessages(with_(0, RELAY_COMMANDS.extend)))).toBe('circuit/bad-cell') // EXTEND on stream 1
  })

  it('pack back to back in one plaintext, then zeros; a cell holds at least one', () => {
    const messages = [
      { command: 'begin' as const, streamId: 7, data: utf8('svc') },
      { command: 'data' as const, streamId: 7, data: new Uint8Array([0xaa]) },
      { command: 'end' as const, streamId: 7, data: new Uint8Array(0) },
    ]
    const plaintext = encodeRelayMessages(F, messages)
    expect(toHex(plaintext.subarray(0, 20))).toBe('04' + '0007' + '0003' + toHex(utf8('svc')) + '05' + '0007' + '0001' + 'aa' + '06' + '0007' + '0000' + '00')
    expect(plaintext.subarray(19).every((b) => b === 0)).toBe(true)
    expect(decodeRelayMessages(plaintext).map((m) => [m.command, m.streamId, toHex(m.data)])).toEqual(messages.map((m) => [m.command, m.streamId, toHex(m.data)]))
    expect(() => encodeRelayMessages(F, [])).toThrow(RangeError)
    const half = { command: 'data' as const, streamId: 1, data: new Uint8Array(maxRelayData(F) / 2 + 1) }
    expect(() => encodeRelayMessages(F, [half, half])).toThrow(RangeError)
    // An all-zero plaintext carries nothing: refused, as command 0 is no command.
    expect(codeOf(() => decodeRelayMessages(new Uint8Array(relayPlaintextBytes(F))))).toBe('circuit/unknown-command')
    // A second message whose header would run past the end of the plaintext.
    const nearlyFull = encodeRelayMessages(F, [{ command: 'data', streamId: 1, data: new Uint8Array(relayPlaintextBytes(F) - 5 - 3) }])
    nearlyFull[nearlyFull.length - 3] = RELAY_COMMANDS.data
    expect(codeOf(() => decodeRelayMessages(nearlyFull))).toBe('circuit/bad-cell')
    // A second message whose data would run past the end.
    const two = encodeRelayMessages(F, messages.slice(0, 1))
    two.set([RELAY_COMMANDS.data, 0, 1, 0xff, 0xff], 8)
    expect(codeOf(() => decodeRelayMessages(two))).toBe('circuit/bad-cell')
  })

  it('any list of messages that fits one cell round-trips in order', () => {
    const message = fc.record({
      command: fc.constantFrom<RelayCommand>('begin', 'data', 'end'),
      streamId: fc.integer({ min: 1, max: 0xffff }),
      data: fc.uint8Array({ maxLength: 60 }),
    })
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 8 }), (messages) => {
        const fits = messages.reduce((n, m) => n + 5 + m.data.length, 0) <= relayPlaintextBytes(F)
        if (!fits) return expect(() => encodeRelayMessages(F, messages)).toThrow(RangeError)
        const back = decodeRelayMessages(encodeRelayMessages(F, messages))
        expect(back.map((m) => [m.command, m.streamId, toHex(m.data)])).toEqual(messages.map((m) => [m.command, m.streamId, toHex(m.data)]))
      }),
      { numRuns: RUNS },
    )
  })

  it('EXTEND, EXTENDED and EXTEND_FAILED data round-trip; malformed data is a bad cell', () => {
    const request = { nextHopKey: new Uint8Array(32).fill(1), clientPublic: new Uint8Array(32).fill(2), contactHint: '/ip4/10.0.0.1/tcp/9/ws/p2p/12D3Koo' }
    const back = decodeExtend(encodeExtend(request))
    expect({ ...back, nextHopKey: toHex(back.nextHopKey), clientPublic: toHex(back.clientPublic) }).toEqual({
      ...request,
      nextHopKey: toHex(request.nextHopKey),
      clientPublic: toHex(request.clientPublic),
    })
    expect(codeOf(() => decodeExtend(new Uint8Array(63)))).toBe('circuit/bad-cell')
    expect(codeOf(() => decodeExtend(new Uint8Array([...new Uint8Array(64), 0xff])))).toBe('circuit/bad-cell') // not UTF-8
    expect(codeOf(() => decodeExtended(new Uint8Array(95)))).toBe('circuit/bad-cell')
    for (const failure of Object.keys(EXTEND_FAILURES) as (keyof typeof EXTEND_FAILURES)[]) {
      expect(decodeExtendFailed(new Uint8Array([EXTEND_FAILURES[failure]]))).toBe(failure)
    }
    expect(codeOf(() => decodeExtendFailed(new Uint8Array([0])))).toBe('circuit/bad-cell')
    expect(codeOf(() => decodeExtendFailed(new Uint8Array([1, 0])))).toBe('circuit/bad-cell')
  })

  it('round-trip for every command and size; random plaintexts decode or raise a CircuitError', () => {
    const commands = Object.keys(RELAY_COMMANDS) as RelayCommand[]
    const circuitLevel = new Set<RelayCommand>(['extend', 'extended', 'extend-failed'])
    fc.assert(
      fc.property(fc.constantFrom(...commands), fc.integer({ min: 1, max: 0xffff }), fc.uint8Array({ maxLength: maxRelayData(F) }), (command, id, data) => {
        const streamId = circuitLevel.has(command) ? 0 : id
        const plaintext = encodeRelayMessages(F, [{ command, streamId, data }])
        const [back, ...rest] = decodeRelayMessages(plaintext)
        expect(rest).toEqual([])
        expect([back!.command, back!.streamId, toHex(back!.data)]).toEqual([command, streamId, toHex(data)])
        expect(toHex(encodeRelayMessages(F, [back!]))).toBe(toHex(plaintext))
      }),
      { numRuns: RUNS },
    )
    fc.assert(
      fc.property(fc.uint8Array({ minLength: relayPlaintextBytes(F), maxLength: relayPlaintextBytes(F) }), (plaintext) => {
        decodesOrCircuitError(() => {
          for (const message of decodeRelayMessages(plaintext)) {
            if (message.command === 'extend') decodeExtend(message.data)
            if (message.command === 'extended') decodeExtended(message.data)
            if (message.command === 'extend-failed') decodeExtendFailed(message.data)
          }
        })
      }),
      { numRuns: RUNS },
    )
  })
})

function writeCircuitId(cell: Uint8Array, id: number): Uint8Array {
  new DataView(cell.buffer).setUint32(0, id)
  return cell
}

describe('CellMux', () => {
  /** A mux over a channel that records what it sends, with one circuit registered. */
  function muxWithCircuit(initiator: boolean) {
    const sent: Uint8Array[] = []
    const errors: string[] = []
    const events: string[] = []
    let receiver: CellReceiver | undefined
    const channel: CellChannel = { peer: 'p', initiator, send: (c) => void sent.push(c), close: () => {}, setReceiver: (r) => (receiver = r) }
    const creates: number[] = []
    const mux = new CellMux(channel, {
      cellBytes: F,
      maxCircuits: 4,
      onCreate: (m, id) => {
        creates.push(id)
        m.register(id, { receive() {}, rejectCell() {}, channelClosed() {} })
      },
      onError: (e) => errors.push(e.code),
    })
    const end: CircuitEnd = {
      receive: (h) => events.push(h.command),
      rejectCell: (e) => events.push(`rejected:${e.code}`),
      channelClosed: () => events.push('closed'),
    }
    const id = mux.allocate(end)
    return { mux, id, sent, errors, events, creates, deliver: (c: Uint8Array) => receiver!.cell(c), close: () => receiver!.closed() }
  }

  it('allocates ids from its own half: top bit set on the side that opened the channel', () => {
    expect(muxWithCircuit(true).id).toBeGreaterThanOrEqual(0x8000_0000)
    expect(muxWithCircuit(false).id).toBeLessThan(0x8000_0000)
  })

  it('accepts CREATE only for the peer half, refuses ids in use, and answers unknown circuits with DESTROY', () => {
    const m = muxWithCircuit(true)
    m.deliver(encodeCreate(F, 7, new Uint8Array(32)))
    m.deliver(encodeCreate(F, 0x8000_0009, new Uint8Array(32)))
    m.deliver(encodeCreate(F, m.id, new Uint8Array(32)))
    expect(m.creates).toEqual([7])
    expect(m.errors).toEqual(['circuit/bad-circuit-id', 'circuit/bad-circuit-id'])
    m.deliver(encodeCell(F, { circuitId: 12345, command: 'relay', seq: 0 }))
    expect(m.errors.at(-1)).toBe('circuit/unknown-circuit')
    expect(readCellHeader(m.sent.at(-1)!, F)).toEqual({ circuitId: 12345, command: 'destroy', seq: 0 })
    m.deliver(encodeDestroy(F, 999, 'finished')) // crossing DESTROYs are no error
    expect(m.errors.length).toBe(3)
  })

  it('routes valid cells to their circuit, ends it on a malformed one, and tells every circuit when the channel closes', () => {
    const m = muxWithCircuit(false)
    m.deliver(encodeCell(F, { circuitId: m.id, command: 'relay', seq: 0 }))
    const bad = encodeCell(F, { circuitId: m.id, command: 'relay', seq: 0 })
    bad[4] = 99
    m.deliver(bad)
    m.close()
    expect(m.events).toEqual(['relay', 'rejected:circuit/unknown-command', 'closed'])
    expect(m.mux.isOpen).toBe(false)
  })

  it('refuses circuits beyond its limit', () => {
    const m = muxWithCircuit(false)
    for (let i = 0; i < 3; i++) m.deliver(encodeCreate(F, 0x8000_0000 + i, new Uint8Array(32)))
    expect(m.creates.length).toBe(3)
    m.deliver(encodeCreate(F, 0x8000_0010, new Uint8Array(32)))
    expect(m.errors).toEqual(['circuit/too-many-circuits'])
    expect(decodeDestroy(m.sent.at(-1)!)).toBe('resource-limit')
    expect(codeOf(() => m.mux.allocate({ receive() {}, rejectCell() {}, channelClosed() {} }))).toBe('circuit/too-many-circuits')
  })

  it('never throws on random input', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: F + 4 }), { maxLength: 20 }), fc.boolean(), (cells, initiator) => {
        const m = muxWithCircuit(initiator)
        for (const cell of cells) m.deliver(cell)
        // The same bytes again, addressed to the circuit that is open.
        for (const cell of cells) if (cell.length === F) m.deliver(writeCircuitId(cell.slice(), m.id))
      }),
      { numRuns: RUNS },
    )
  })
})
