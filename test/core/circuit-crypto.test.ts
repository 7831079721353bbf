/** Handshake, layers and settings of circuits, checked piece by piece. */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CELL_HEADER_BYTES,
  CircuitError,
  ClientOnion,
  answerCreate,
  cellNonce,
  circuitSettingsFor,
  completeHandshake,
  createCircuitSettings,
  createRuleBundle,
  createSigner,
  decodeRelayMessages,
  defaultCircuitSettings,
  encodeRelayMessages,
  ephemeralKeyPairFrom,
  nobleEd25519,
  openBody,
  relayPlaintextBytes,
  sealBody,
  sharedSecret,
  toHex,
  validateCircuitSettings,
  xorBody,
  type CircuitKeys,
  type CircuitSettings,
} from '../../core/index.js'
import { errorCode } from './helpers.js'

const codeOf = (run: () => unknown) => errorCode(run, CircuitError)

const F = 1024
const fill = (n: number, byte: number) => new Uint8Array(n).fill(byte)


describe('the AEAD recognition check', () => {
  const key = fill(32, 0x42)
  const nonce = cellNonce('forward', 7)

  it('opens exactly what ChaCha20-Poly1305 sealed, in place, at any offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(31), (plaintext, offset) => {
        const sealed = chacha20poly1305(key, nonce).encrypt(plaintext)
        const buffer = new Uint8Array(offset + sealed.length)
        buffer.set(sealed, offset)
        const opened = openBody(key, nonce, buffer.subarray(offset))
        expect(opened && toHex(opened)).toBe(toHex(plaintext))
      }),
      { numRuns: 200 },
    )
  })

  it('refuses any single flipped bit, a wrong key and a wrong nonce, leaving the body as it was', () => {
    const body = new Uint8Array(F - CELL_HEADER_BYTES)
    sealBody(key, nonce, fill(body.length - 16, 0x61), body)
    for (let bit = 0; bit < body.length * 8; bit += 37) {
      const flipped = body.slice()
      flipped[bit >> 3]! ^= 1 << (bit & 7)
      const before = toHex(flipped)
      expect(openBody(key, nonce, flipped)).toBeUndefined()
      expect(toHex(flipped)).toBe(before)
    }
    expect(openBody(fill(32, 0x43), nonce, body.slice())).toBeUndefined()
    expect(openBody(key, cellNonce('backward', 7), body.slice())).toBeUndefined()
    expect(openBody(key, cellNonce('forward', 8), body.slice())).toBeUndefined()
  })

  it('nonces are direction (u32 BE) then seq (u64 BE)', () => {
    expect(toHex(cellNonce('forward', 1))).toBe('000000000000000000000001')
    expect(toHex(cellNonce('backward', 2 ** 40 + 3))).toBe('000000010000010000000003')
  })
})

describe('the handshake', () => {
  it('gives client and hop the same four distinct keys, and binds them to the hop identity', async () => {
    const identity = await createSigner(fill(32, 5), nobleEd25519)
    const client = ephemeralKeyPairFrom(fill(32, 0x11))
    const hop = ephemeralKeyPairFrom(fill(32, 0x21))
    const answer = await answerCreate(identity, client.publicKey, hop)
    const keys = await completeHandshake(nobleEd25519, identity.publicKey, client, answer.created)
    expect(keys).toEqual(answer.keys)
    expect(new Set(Object.values(keys).map(toHex)).size).toBe(4)
    const other = await createSigner(fill(32, 6), nobleEd25519)
    await expect(completeHandshake(nobleEd25519, other.publicKey, client, answer.created)).rejects.toMatchObject({ code: 'circuit/bad-handshake' })
    const forged = { ...answer.created, signature: answer.created.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) }
    await expect(completeHandshake(nobleEd25519, identity.publicKey, client, forged)).rejects.toMatchObject({ code: 'circuit/bad-handshake' })
  })

  it('refuses keys of small order instead of agreeing on a known secret', () => {
    const secret = fill(32, 0x11)
    expect(codeOf(() => sharedSecret(secret, new Uint8Array(32)))).toBe('circuit/bad-handshake')
    expect(codeOf(() => sharedSecret(secret, Uint8Array.of(1, ...new Uint8Array(31))))).toBe('circuit/bad-handshake')
    expect(codeOf(() => sharedSecret(secret, new Uint8Array(31)))).toBe('circuit/bad-handshake')
  })
})

/** Hops as pure functions of the layer rules: what each hop does to a cell, with its own seq counters. */
class LayerHop {
  forwardSeq = 0
  backwardSeq = 0
  constructor(readonly keys: CircuitKeys) {}
  /** Forward: the plaintext if the cell is for this hop, else the body with this hop's layer removed. */
  forward(body: Uint8Array): Uint8Array | undefined {
    const nonce = cellNonce('forward', this.forwardSeq++)
    const opened = openBody(this.keys.forwardAead, nonce, body)
    if (!opened) xorBody(this.keys.forwardStream, nonce, body)
    return opened
  }
  originate(plaintext: Uint8Array): Uint8Array {
    const body = new Uint8Array(plaintext.length + 16)
    sealBody(this.keys.backwardAead, cellNonce('backward', this.backwardSeq++), plaintext, body)
    return body
  }
  relayBackward(body: Uint8Array): void {
    xorBody(this.keys.backwardStream, cellNonce('backward', this.backwardSeq++), body)
  }
}

const keysOf = (i: number): CircuitKeys => ({
  forwardStream: fill(32, 0x10 + i),
  forwardAead: fill(32, 0x20 + i),
  backwardStream: fill(32, 0x30 + i),
  backwardAead: fill(32, 0x40 + i),
})

describe('the client onion', () => {
  it('keeps every hop in step over any mix of destinations, both ways', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.uint8Array({ maxLength: 40 })), { maxLength: 30 }), (n, traffic) => {
        const onion = new ClientOnion()
        const hops = Array.from({ length: n }, (_, i) => new LayerHop(keysOf(i)))
        for (const hop of hops) onion.addHop(hop.keys)
        for (const [forward, pick, data] of traffic) {
          const destination = (pick % n) + 1
          const message = { command: 'data' as const, streamId: 1, data }
          const plaintext = encodeRelayMessages(F, [message])
          if (forward) {
            const body = new Uint8Array(F - CELL_HEADER_BYTES)
            const seq = onion.wrap(destination, plaintext, body)
            expect(seq).toBe(hops[0]!.forwardSeq)
            let opened: Uint8Array | undefined
            for (const hop of hops.slice(0, destination)) if (!opened) opened = hop.forward(body)
            expect(toHex(decodeRelayMessages(opened!)[0]!.data)).toBe(toHex(data))
          } else {
            expect(onion.expectedBackwardSeq).toBe(hops[0]!.backwardSeq)
            const body = hops[destination - 1]!.originate(plaintext)
            for (let k = destination - 2; k >= 0; k--) hops[k]!.relayBackward(body)
            const opened = onion.unwrap(body)
            expect(opened?.hop).toBe(destination)
            expect(toHex(decodeRelayMessages(opened!.plaintext)[0]!.data)).toBe(toHex(data))
          }
        }
      }),
      { numRuns: 100 },
    )
  })

  it('recognises a forward cell at its destination only, and finds no hop for garbage', () => {
    const onion = new ClientOnion()
    const hops = [0, 1, 2].map((i) => new LayerHop(keysOf(i)))
    for (const hop of hops) onion.addHop(hop.keys)
    const body = new Uint8Array(F - CELL_HEADER_BYTES)
    onion.wrap(3, new Uint8Array(relayPlaintextBytes(F)), body)
    expect(hops[0]!.forward(body)).toBeUndefined()
    expect(hops[1]!.forward(body)).toBeUndefined()
    expect(hops[2]!.forward(body)).toBeDefined()
    expect(onion.unwrap(new Uint8Array(F - CELL_HEADER_BYTES).fill(3))).toBeUndefined()
  })
})

describe('circuit settings', () => {
  it('defaults are valid; the cell size comes from the rule bundle', () => {
    expect(createCircuitSettings()).toEqual(defaultCircuitSettings)
    expect(circuitSettingsFor(createRuleBundle({ fixedCellBytes: 512 }), { idleTimeoutMs: 5 }).cellBytes).toBe(512)
    expect(circuitSettingsFor(createRuleBundle({ fixedCellBytes: 65_536 })).cellBytes).toBe(65_536)
  })

  it('refuse out-of-range and unknown fields, naming them', () => {
    const bad: [Partial<CircuitSettings> & Record<string, unknown>, string][] = [
      [{ cellBytes: 255 }, 'cellBytes'],
      [{ cellBytes: 65_537 }, 'cellBytes'],
      [{ cellBytes: 1000.5 }, 'cellBytes'],
      [{ buildTimeoutMs: 0 }, 'buildTimeoutMs'],
      [{ idleTimeoutMs: Number.NaN }, 'idleTimeoutMs'],
      [{ maxCircuitsPerChannel: 0 }, 'maxCircuitsPerChannel'],
      [{ maxCircuitsPerChannel: 2 ** 31 }, 'maxCircuitsPerChannel'],
      [{ maxCircuits: 0 }, 'maxCircuits'],
      [{ maxStreamsPerCircuit: 65_536 }, 'maxStreamsPerCircuit'],
      [{ cellSize: 1024 }, 'cellSize'],
    ]
    for (const [overrides, field] of bad) {
      expect(() => createCircuitSettings(overrides)).toThrow(expect.objectContaining({ code: 'circuit/invalid-setting', reason: field }))
    }
    expect(() => validateCircuitSettings({ ...defaultCircuitSettings, cellBytes: 128 })).toThrow(CircuitError)
  })
})
