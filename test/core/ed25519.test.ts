/**
 * The two Ed25519 backends must agree on every input, valid or not, or peers
 * would disagree on which events are valid. Node's WebCrypto (OpenSSL) is the
 * second backend here; the Chromium worker runs the same checks in the bench.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js'
import { sha512 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  agreesWithPolicy,
  concatBytes,
  fromHex,
  getEd25519,
  getPublicKey,
  isAcceptedPublicKey,
  nobleEd25519,
  toHex,
  webCryptoEd25519,
  type Ed25519Backend,
} from '../../core/index.js'
import rfc8032 from '../vectors/rfc8032-ed25519.json' with { type: 'json' }

const webcrypto = webCryptoEd25519(globalThis.crypto.subtle as never)
const backends: Ed25519Backend[] = [nobleEd25519, webcrypto]
const Point = ed25519.Point
const L = Point.Fn.ORDER

async function verdicts(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): Promise<boolean[]> {
  return Promise.all(backends.map((b) => b.verify(pub, msg, sig)))
}

/** A point of small order, found as [L]P for a random curve point P. */
function torsionPoint(seed: number): InstanceType<typeof Point> {
  for (let i = seed; ; i++) {
    try {
      const p = Point.fromBytes(sha512(new Uint8Array([i])).slice(0, 32))
      const t = p.multiplyUnsafe(L - 1n).add(p)
      if (!t.is0() && !t.add(t).is0()) return t
    } catch {
      // not a valid encoding; try the next one
    }
  }
}

describe('Ed25519 backends', () => {
  it('WebCrypto is chosen where it agrees with the shared policy', async () => {
    expect((await getEd25519()).name).toBe('webcrypto')
    expect(await agreesWithPolicy(nobleEd25519)).toBe(true)
    expect(await agreesWithPolicy(webcrypto)).toBe(true)
  })

  it('a backend with cofactored verification (noble unwrapped) is refused', async () => {
    const cofactored: Ed25519Backend = {
      name: 'noble',
      sign: async (secret, message) => ed25519.sign(message, secret),
      verify: async (pub, message, sig) => ed25519.verify(sig, message, pub),
    }
    expect(await agreesWithPolicy(cofactored)).toBe(false)
  })

  it.each(rfc8032.vectors)('$name of RFC 8032 signs and verifies identically', async (v) => {
    const secret = fromHex(v.secretKey)
    const message = fromHex(v.message)
    expect(toHex(getPublicKey(secret))).toBe(v.publicKey)
    for (const b of backends) {
      expect(toHex(await b.sign(secret, message))).toBe(v.signature)
      expect(await b.verify(fromHex(v.publicKey), message, fromHex(v.signature))).toBe(true)
    }
  })

  it('agree on random signatures and on every single-bit corruption of them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.nat(),
        fc.constantFrom('sig', 'msg', 'key'),
        async (secret, message, bit, part) => {
          const pub = getPublicKey(secret)
          const [a, b] = await Promise.all(backends.map((x) => x.sign(secret, message)))
          expect(a).toEqual(b)
          expect(await verdicts(pub, message, a!)).toEqual([true, true])
          const target = part === 'sig' ? a!.slice() : part === 'key' ? pub.slice() : message.slice()
          if (target.length === 0) return
          target[(bit >> 3) % target.length]! ^= 1 << (bit & 7)
          const args: [Uint8Array, Uint8Array, Uint8Array] =
            part === 'sig' ? [pub, message, target] : part === 'key' ? [target, message, a!] : [pub, target, a!]
          expect(await verdicts(...args)).toEqual([false, false])
        },
      ),
      { numRuns: 120 },
    )
  })

  it('both reject a non-canonical S (S + L)', async () => {
    const secret = new Uint8Array(32).fill(3)
    const message = new Uint8Array([1])
    const sig = await nobleEd25519.sign(secret, message)
    const s = bytesToNumberLE(sig.subarray(32)) + L
    const malleated = concatBytes(sig.subarray(0, 32), numberToBytesLE(s, 32))
    expect(await verdicts(getPublicKey(secret), message, malleated)).toEqual([false, false])
  })

  it('both reject small-order and non-canonical public keys', async () => {
    const identity = Point.ZERO.toBytes()
    const trivialSig = concatBytes(identity, new Uint8Array(32)) // R = identity, S = 0 satisfies both equations
    expect(isAcceptedPublicKey(identity)).toBe(false)
    expect(await verdicts(identity, new Uint8Array([7]), trivialSig)).toEqual([false, false])
    const nonCanonical = numberToBytesLE(Point.Fp.ORDER + 1n, 32) // y = p + 1 ≡ 1: the identity again
    expect(isAcceptedPublicKey(nonCanonical)).toBe(false)
    expect(await verdicts(nonCanonical, new Uint8Array([7]), trivialSig)).toEqual([false, false])
    expect(await verdicts(new Uint8Array(31), new Uint8Array(), new Uint8Array(64))).toEqual([false, false])
  })

  it('both reject a signature whose R has a small-order component (cofactored check alone accepts it)', async () => {
    const a = 0x1234567890abcdefn
    const r = 0xfedcba0987654321n
    const A = Point.BASE.multiply(a).toBytes()
    const message = new Uint8Array([4, 2])
    const R = Point.BASE.multiply(r).add(torsionPoint(1)).toBytes()
    const k = bytesToNumberLE(sha512(concatBytes(R, A, message))) % L
    const sig = concatBytes(R, numberToBytesLE((r + k * a) % L, 32))
    expect(ed25519.verify(sig, message, A)).toBe(true) // noble's own, cofactored verify
    expect(await verdicts(A, message, sig)).toEqual([false, false])
  })

  it('reject wrong-length secret keys with a typed error', async () => {
    for (const b of backends) {
      await expect(b.sign(new Uint8Array(31), new Uint8Array())).rejects.toMatchObject({ code: 'wrong-key-length' })
    }
  })
})
