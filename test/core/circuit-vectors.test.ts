/**
 * The circuit vectors (test/vectors/circuit.json): reproduced exactly, by
 * Node's own X25519, HKDF and ChaCha20 (OpenSSL) as an independent check,
 * and by the real client and hops building a circuit from the same inputs.
 */
import { createCipheriv, createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  ClientOnion,
  cellNonce,
  concatBytes,
  createdSigningBytes,
  decodeRelayMessages,
  encodeRelayMessages,
  getEd25519,
  relayPlaintextBytes,
  sealBody,
  toHex,
  utf8,
  xorBody,
  type CircuitKeys,
} from '../../core/index.js'
import { computeCircuitVectors } from '../vectors/circuit.js'
import { fromVectorJson, toVectorJson } from '../vectors/json.js'
import { CLIENT, CircuitTestbed, readAll } from './circuit-harness.js'
import type { ExitHandler } from '../../core/index.js'

type Vectors = Awaited<ReturnType<typeof computeCircuitVectors>>
const text = readFileSync(new URL('../vectors/circuit.json', import.meta.url), 'utf8')
const v = fromVectorJson<Vectors>(text)
const hex = (b: Uint8Array) => toHex(b)
/** Echoes the whole request, writing and ending in one turn, so the answer leaves as one DATA and END cell. */
const answerAtOnce: ExitHandler = (stream) => void readAll(stream).then((request) => {
  stream.write(request)
  stream.end()
})
const keysOf = v.hops.map((h) => h.keys)

/** Node (OpenSSL) primitives, independent of @noble. */
const node = {
  x25519(secret: Uint8Array, pub: Uint8Array, ownPub: Uint8Array): Uint8Array {
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url')
    const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64(secret), x: b64(ownPub) }, format: 'jwk' })
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64(pub) }, format: 'jwk' })
    return new Uint8Array(diffieHellman({ privateKey, publicKey }))
  },
  hkdf(ikm: Uint8Array, info: Uint8Array): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', ikm, utf8('terrain-circuit-v1'), info, 128))
  },
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    return concatBytes(cipher.update(plaintext), cipher.final(), cipher.getAuthTag())
  },
  /** OpenSSL's ChaCha20 IV is the 32-bit block counter (little-endian), then the 96-bit nonce. */
  xor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): Uint8Array {
    return new Uint8Array(createCipheriv('chacha20', key, concatBytes(new Uint8Array(4), nonce)).update(data))
  },
}

describe('circuit vectors', () => {
  it('regenerating them from the inputs changes nothing', async () => {
    expect(toVectorJson(await computeCircuitVectors()) + '\n').toBe(text)
  })

  it('the key schedule agrees with OpenSSL, and every CREATED signature verifies', async () => {
    const ed = await getEd25519()
    for (const h of v.hops) {
      const shared = node.x25519(h.clientEphemeralSecret, h.hopEphemeralPublic, h.clientEphemeralPublic)
      expect(hex(shared)).toBe(hex(h.sharedSecret))
      expect(hex(node.x25519(h.hopEphemeralSecret, h.clientEphemeralPublic, h.hopEphemeralPublic))).toBe(hex(shared))
      const okm = node.hkdf(shared, concatBytes(h.clientEphemeralPublic, h.hopEphemeralPublic))
      expect(hex(okm)).toBe(hex(concatBytes(h.keys.forwardStream, h.keys.forwardAead, h.keys.backwardStream, h.keys.backwardAead)))
      expect(await ed.verify(h.identityPublicKey, createdSigningBytes(h.clientEphemeralPublic, h.hopEphemeralPublic), h.createdSignature)).toBe(true)
    }
  })

  it('the forward and backward cells agree with OpenSSL layer by layer', () => {
    const f = v.forward
    expect(hex(f.plaintext)).toBe(hex(encodeRelayMessages(v.cellBytes, f.messages)))
    const [s1, s2, s3] = f.hopSeqs as [number, number, number]
    expect(hex(node.seal(keysOf[2]!.forwardAead, cellNonce('forward', s3), f.plaintext))).toBe(hex(f.sealedForHop3))
    expect(hex(node.xor(keysOf[1]!.forwardStream, cellNonce('forward', s2), f.sealedForHop3))).toBe(hex(f.withHop2Layer))
    const wire = node.xor(keysOf[0]!.forwardStream, cellNonce('forward', s1), f.withHop2Layer)
    expect(hex(f.cell)).toBe('80000001' + '03' + '0000000000000002' + hex(wire))

    const b = v.backward
    expect(hex(node.seal(keysOf[2]!.backwardAead, cellNonce('backward', s3), b.plaintext))).toBe(hex(b.sealedByHop3))
    expect(hex(node.xor(keysOf[1]!.backwardStream, cellNonce('backward', s2), b.sealedByHop3))).toBe(hex(b.withHop2Layer))
    expect(hex(b.cell.subarray(13))).toBe(hex(node.xor(keysOf[0]!.backwardStream, cellNonce('backward', s1), b.withHop2Layer)))
  })

  it('the client onion produces the forward cell and opens the backward one after the build', () => {
    const onion = new ClientOnion()
    const empty = new Uint8Array(relayPlaintextBytes(v.cellBytes))
    const scratch = () => new Uint8Array(v.cellBytes - 13)
    // The build: EXTEND to hop 1, its EXTENDED; EXTEND to hop 2, its EXTENDED (relayed by hop 1).
    const sealFrom = (keys: CircuitKeys, seq: number) => {
      const body = scratch()
      sealBody(keys.backwardAead, cellNonce('backward', seq), empty, body)
      return body
    }
    onion.addHop(keysOf[0]!)
    onion.wrap(1, empty, scratch())
    expect(onion.unwrap(sealFrom(keysOf[0]!, 0))?.hop).toBe(1)
    onion.addHop(keysOf[1]!)
    onion.wrap(2, empty, scratch())
    const extended = sealFrom(keysOf[1]!, 0)
    xorBody(keysOf[0]!.backwardStream, cellNonce('backward', 1), extended)
    expect(onion.unwrap(extended)?.hop).toBe(2)
    onion.addHop(keysOf[2]!)

    const body = scratch()
    expect(onion.wrap(3, v.forward.plaintext, body)).toBe(2)
    expect(hex(body)).toBe(hex(v.forward.cell.subarray(13)))
    expect(onion.expectedBackwardSeq).toBe(2)
    const opened = onion.unwrap(v.backward.cell.slice(13))
    expect(opened?.hop).toBe(3)
    const [data, end, ...rest] = decodeRelayMessages(opened!.plaintext)
    expect([data?.command, end?.command, rest.length]).toEqual(['data', 'end', 0])
    expect(hex(data!.data)).toBe(hex(utf8('hello client')))
  })

  it('a real client and real hops given the same secrets put exactly these cells on the first link', async () => {
    const bed = new CircuitTestbed({ cellBytes: v.cellBytes })
    const fixed = (bytes: Uint8Array[]) => () => bytes.shift()!
    for (const [i, name] of ['A', 'B', 'C'].entries()) {
      await bed.addHop(name, { seed: 1 + i, random: fixed([v.hops[i]!.hopEphemeralSecret]), exit: i === 2 ? answerAtOnce : undefined })
    }
    const client = await bed.client(fixed(v.hops.map((h) => h.clientEphemeralSecret)))
    const circuit = await client.build(await bed.clientMux('A'), bed.path('A', 'B', 'C'))
    const stream = circuit.openStream('echo')
    stream.write(utf8('hello client'))
    stream.end()
    expect(hex(await readAll(stream))).toBe(hex(utf8('hello client')))
    const firstLink = bed.cellsBetween(CLIENT, 'A')
    const fromClient = firstLink.filter((c) => c.from === CLIENT).map((c) => hex(c.cell))
    const toClient = firstLink.filter((c) => c.from === 'A').map((c) => hex(c.cell))
    expect(fromClient[3]).toBe(hex(v.forward.cell)) // after CREATE, EXTEND, EXTEND
    expect(toClient[3]).toBe(hex(v.backward.cell)) // after CREATED, EXTENDED, EXTENDED
    expect([fromClient.length, toClient.length]).toEqual([4, 4])
  })
})
