/** Probe tickets: minting and verifying the scrypt proof of work, its binding to key, world and epoch, the bounded verifier, and its settings. */
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { le64 } from '../../core/index.js'
import { ProbeError } from '../../core/probe/errors.js'
import { createTicketSettings, defaultTicketSettings, expectedEvaluations, type TicketSettings } from '../../core/probe/ticket-settings.js'
import { mintTicket, ticketWorkValue, verifyTicket, type TicketBinding } from '../../core/probe/ticket.js'
import type { ProbeTicket } from '../../core/types.js'
import { errorCode, rejectionCode } from './helpers.js'

// Counts scrypt evaluations, so "no hashing" and "one evaluation" are facts, not timings.
const scryptCalls = vi.hoisted(() => ({ count: 0 }))
vi.mock('hash-wasm', async (importOriginal) => {
  const actual = await importOriginal<typeof import('hash-wasm')>()
  const scrypt = ((options: Parameters<typeof actual.scrypt>[0]) => {
    scryptCalls.count++
    return actual.scrypt(options)
  }) as typeof actual.scrypt
  return { ...actual, scrypt }
})

const tiny: TicketSettings = createTicketSettings({ costN: 16, blockSizeR: 1, parallelismP: 1, difficultyBits: 4 })
/** High enough that a ticket for another binding passes by chance only with probability 2^-10. */
const hard: TicketSettings = { ...tiny, difficultyBits: 10 }
const binding: TicketBinding = { world: new Uint8Array(32).fill(0x09), epoch: 7n, proberPubkey: new Uint8Array(32).fill(0x11) }

/** Leading zero bits, counted on the bit string: independent of the implementation's count. */
const zeroBits = (bytes: Uint8Array) => {
  const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('')
  return bits.includes('1') ? bits.indexOf('1') : bits.length
}

describe('minting and verifying a probe ticket', () => {
  it('round trip: a minted ticket verifies, with the parameters of its settings and an 8-byte nonce', async () => {
    const { ticket, evaluations } = await mintTicket({ ...binding, settings: tiny })
    expect(ticket.ticketBytes).toEqual(le64(BigInt(evaluations - 1)))
    expect([ticket.paramsN, ticket.paramsR, ticket.paramsP]).toEqual([16, 1, 1])
    expect(zeroBits(await ticketWorkValue(ticket.ticketBytes, binding, tiny))).toBeGreaterThanOrEqual(4)
    await expect(verifyTicket(ticket, binding, tiny)).resolves.toBeUndefined()
  })

  it('tries nonces in order from the start nonce, one evaluation each, and reports progress against 2^difficulty', async () => {
    const progress: [number, number][] = []
    const first = await mintTicket({ ...binding, settings: hard, onProgress: (tried, expected) => progress.push([tried, expected]) })
    expect(progress).toEqual(Array.from({ length: first.evaluations }, (_, i) => [i + 1, 1024]))
    for (let nonce = 0n; nonce < BigInt(first.evaluations - 1); nonce++) {
      expect(zeroBits(await ticketWorkValue(le64(nonce), binding, hard))).toBeLessThan(10)
    }
    const again = await mintTicket({ ...binding, settings: hard, startNonce: BigInt(first.evaluations - 1) })
    expect(again).toEqual({ ticket: first.ticket, evaluations: 1 })
  })

  it('verifying is exactly one scrypt evaluation', async () => {
    const { ticket } = await mintTicket({ ...binding, settings: tiny })
    const before = scryptCalls.count
    await verifyTicket(ticket, binding, tiny)
    expect(scryptCalls.count - before).toBe(1)
  })

  it('stops when aborted, with the signal’s reason, before evaluating anything more', async () => {
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    let tried = 0
    await expect(mintTicket({ ...binding, settings: tiny, signal: controller.signal, onProgress: () => tried++ })).rejects.toThrow('stop')
    expect(tried).toBe(0)
  })

  it('rejects a ticket for another key, another epoch or another world as ticket-invalid', async () => {
    const { ticket } = await mintTicket({ ...binding, settings: hard })
    const others: TicketBinding[] = [
      { ...binding, proberPubkey: new Uint8Array(32).fill(0x12) },
      { ...binding, epoch: 8n },
      { ...binding, world: new Uint8Array(32).fill(0x0a) },
    ]
    for (const other of others) expect(await rejectionCode(() => verifyTicket(ticket, other, hard), ProbeError)).toBe('ticket-invalid')
    expect(await rejectionCode(() => verifyTicket(ticket, binding, hard), ProbeError)).toBe('ok')
  })

  it('rejects a forged nonce at the default parameters (one real evaluation)', async () => {
    const forged: ProbeTicket = { ticketBytes: new Uint8Array(8), paramsN: 8192, paramsR: 8, paramsP: 1 }
    const work = await ticketWorkValue(forged.ticketBytes, binding, defaultTicketSettings)
    expect(zeroBits(work)).toBeLessThan(defaultTicketSettings.difficultyBits)
    expect(await rejectionCode(() => verifyTicket(forged, binding), ProbeError)).toBe('ticket-invalid')
  })

  it('rejects other parameters (N, r, p) and over-bound N as ticket-params, without hashing', async () => {
    const { ticket } = await mintTicket({ ...binding, settings: tiny })
    const before = scryptCalls.count
    // 2^30 or 2^20 would need gigabytes if they were ever evaluated.
    for (const wrong of [{ paramsN: 32 }, { paramsN: 2 ** 30 }, { paramsR: 2 }, { paramsR: 2 ** 20 }, { paramsP: 2 }, { paramsP: 2 ** 20 }]) {
      expect(await rejectionCode(() => verifyTicket({ ...ticket, ...wrong }, binding, tiny), ProbeError)).toBe('ticket-params')
    }
    expect(await rejectionCode(() => verifyTicket({ ...ticket, paramsN: 2 ** 16 }, binding, { ...tiny, costN: 2 ** 16 }), ProbeError)).toBe('invalid-setting')
    expect(scryptCalls.count).toBe(before)
  })

  it('rejects a nonce that is not 8 bytes as ticket-params, without hashing', async () => {
    const { ticket } = await mintTicket({ ...binding, settings: tiny })
    const before = scryptCalls.count
    for (const length of [0, 7, 9, 32]) {
      expect(await rejectionCode(() => verifyTicket({ ...ticket, ticketBytes: new Uint8Array(length) }, binding, tiny), ProbeError)).toBe('ticket-params')
    }
    expect(scryptCalls.count).toBe(before)
  })

  it('refuses a binding that is not a 32-byte world, a 32-byte key and a u64 epoch', async () => {
    for (const bad of [{ world: new Uint8Array(31) }, { proberPubkey: new Uint8Array(33) }, { epoch: -1n }, { epoch: 2n ** 64n }]) {
      expect(await rejectionCode(() => mintTicket({ ...binding, ...bad, settings: tiny }), ProbeError)).toBe('ticket-invalid')
    }
  })

  it('property: verifyTicket accepts exactly the nonces whose work value meets the difficulty', async () => {
    const coin: TicketSettings = { ...tiny, difficultyBits: 2 }
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 8, maxLength: 8 }), async (nonce) => {
        const meets = zeroBits(await ticketWorkValue(nonce, binding, coin)) >= 2
        const ticket: ProbeTicket = { ticketBytes: nonce, paramsN: 16, paramsR: 1, paramsP: 1 }
        expect(await rejectionCode(() => verifyTicket(ticket, binding, coin), ProbeError)).toBe(meets ? 'ok' : 'ticket-invalid')
      }),
      { numRuns: 40 },
    )
  })

  it('property: any ticket object is accepted or refused with a ProbeError, never anything else', async () => {
    const param = (accepted: number) => fc.oneof(fc.constant(accepted), fc.integer(), fc.double(), fc.constant(2 ** 31))
    const ticket = fc.record({ ticketBytes: fc.uint8Array({ maxLength: 16 }), paramsN: param(16), paramsR: param(1), paramsP: param(1) })
    await fc.assert(
      fc.asyncProperty(ticket, async (t) => {
        expect(['ok', 'ticket-params', 'ticket-invalid']).toContain(await rejectionCode(() => verifyTicket(t, binding, tiny), ProbeError))
      }),
      { numRuns: 200 },
    )
  })
})

describe('ticket settings', () => {
  it('defaults: N = 2^13, r = 8, p = 1, 9 bits (512 evaluations expected), valid and frozen', () => {
    expect(createTicketSettings()).toEqual({ costN: 8192, blockSizeR: 8, parallelismP: 1, difficultyBits: 9, maxCostN: 32768 })
    expect(expectedEvaluations(defaultTicketSettings)).toBe(512)
    expect(Object.isFrozen(defaultTicketSettings)).toBe(true)
  })

  it('refuse out-of-range fields with invalid-setting', () => {
    const bad: Partial<TicketSettings>[] = [
      { costN: 1 },
      { costN: 24 },
      { costN: 2 ** 16 },
      { maxCostN: 2 ** 21 },
      { maxCostN: 1 },
      { blockSizeR: 0 },
      { blockSizeR: 65 },
      { blockSizeR: 1.5 },
      { parallelismP: 0 },
      { parallelismP: 17 },
      { difficultyBits: 0 },
      { difficultyBits: 33 },
      { difficultyBits: Number.NaN },
      { costN: '16' as unknown as number },
      { extra: 1 } as Partial<TicketSettings>,
    ]
    for (const overrides of bad) expect(errorCode(() => createTicketSettings(overrides), ProbeError), JSON.stringify(overrides)).toBe('invalid-setting')
    expect(errorCode(() => createTicketSettings({ costN: 2 ** 16, maxCostN: 2 ** 16 }), ProbeError)).toBe('ok')
  })
})
