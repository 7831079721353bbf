/**
 * Ed25519 behind one interface, with two backends: the runtime's WebCrypto
 * (7–12x faster where present) and @noble/curves (everywhere).
 *
 * Peers must agree on which signatures are valid, or one event splits the
 * log. WebCrypto implementations (BoringSSL, OpenSSL) check the cofactorless
 * equation `[S]B = R + [k]A`; noble's `verify` checks the cofactored one, and
 * both accept some key encodings the other refuses. So both backends share
 * one strict policy: a canonical, non-small-order public key; `S < L`; a
 * canonical `R`; and the cofactorless equation (computed with noble's point
 * arithmetic in the noble backend).
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { concatBytes, fromHex, toHex } from './bytes.js'
import { TerrainError } from './errors.js'

export const PUBLIC_KEY_BYTES = 32
export const SECRET_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64

export type Ed25519BackendName = 'webcrypto' | 'noble'

export interface Ed25519Backend {
  readonly name: Ed25519BackendName
  /** Deterministic RFC 8032 signature by the 32-byte secret seed. */
  sign(secretKey: Uint8Array, message: Uint8Array): Promise<Uint8Array>
  /** Strict verification (see the module comment); never throws for bad input, returns false. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>
}

export class KeyError extends TerrainError {
  declare readonly code: 'wrong-key-length'
}

const Point = ed25519.Point
const L = Point.Fn.ORDER
const P = Point.Fp.ORDER
const MAX_CACHED_KEYS = 4096

/** Bounded insertion-ordered cache: the oldest entry goes first. */
class BoundedCache<V> {
  private readonly map = new Map<string, V>()
  get(key: string): V | undefined {
    return this.map.get(key)
  }
  set(key: string, value: V): void {
    if (this.map.size >= MAX_CACHED_KEYS) this.map.delete(this.map.keys().next().value!)
    this.map.set(key, value)
  }
}

type DecodedKey = InstanceType<typeof Point> | null
const decodedKeys = new BoundedCache<DecodedKey>()

/** The public key as a point if it passes the shared policy, else null (cached per key). */
function acceptedPublicKey(publicKey: Uint8Array): DecodedKey {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) return null
  const id = toHex(publicKey)
  const cached = decodedKeys.get(id)
  if (cached !== undefined) return cached
  let point: DecodedKey = null
  try {
    const decoded = Point.fromBytes(publicKey, false) // rejects y >= p
    point = decoded.isSmallOrder() ? null : decoded
  } catch {
    point = null
  }
  decodedKeys.set(id, point)
  return point
}

const P_BYTES = numberToBytesLE(P, 32)
const L_BYTES = numberToBytesLE(L, 32)

/** `bytes[at..at+32]`, read as a little-endian number with the top bit masked off, is below `limit`. */
function belowLE(bytes: Uint8Array, at: number, limit: Uint8Array, maskTopBit: boolean): boolean {
  for (let i = 31; i >= 0; i--) {
    const b = i === 31 && maskTopBit ? bytes[at + i]! & 0x7f : bytes[at + i]!
    if (b !== limit[i]) return b < limit[i]!
  }
  return false
}

/** Shape checks on a signature that both backends apply: 64 bytes, canonical R's y, S < L. */
function acceptedSignatureShape(signature: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false
  return belowLE(signature, 0, P_BYTES, true) && belowLE(signature, 32, L_BYTES, false)
}

function checkSecretKey(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_KEY_BYTES) {
    throw new KeyError('wrong-key-length', `an Ed25519 secret key is ${SECRET_KEY_BYTES} bytes`)
  }
}

export const nobleEd25519: Ed25519Backend = {
  name: 'noble',
  async sign(secretKey, message) {
    checkSecretKey(secretKey)
    return ed25519.sign(message, secretKey)
  },
  async verify(publicKey, message, signature) {
    const A = acceptedPublicKey(publicKey)
    if (!A || !acceptedSignatureShape(signature)) return false
    let R: InstanceType<typeof Point>
    try {
      R = Point.fromBytes(signature.subarray(0, 32), false)
    } catch {
      return false
    }
    const S = bytesToNumberLE(signature.subarray(32))
    const k = bytesToNumberLE(sha512(concatBytes(signature.subarray(0, 32), publicKey, message))) % L
    // Cofactorless: R == [S]B - [k]A, as the WebCrypto implementations check it.
    return R.equals(Point.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k)))
  },
}

/** The subset of WebCrypto used here, typed locally so `core/` needs no DOM types. */
interface SubtleEd25519 {
  importKey(format: 'raw' | 'pkcs8', data: Uint8Array, algorithm: { name: 'Ed25519' }, extractable: boolean, usages: string[]): Promise<unknown>
  sign(algorithm: { name: 'Ed25519' }, key: unknown, data: Uint8Array): Promise<ArrayBuffer>
  verify(algorithm: { name: 'Ed25519' }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>
}

const ALGORITHM = { name: 'Ed25519' } as const
/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])

function subtle(): SubtleEd25519 | undefined {
  return (globalThis as { crypto?: { subtle?: SubtleEd25519 } }).crypto?.subtle
}

/** A WebCrypto backend over `s`; imported keys are cached so verification does not re-import. */
export function webCryptoEd25519(s: SubtleEd25519): Ed25519Backend {
  const verifyKeys = new BoundedCache<unknown>()
  const signKeys = new BoundedCache<Promise<unknown>>()
  return {
    name: 'webcrypto',
    async sign(secretKey, message) {
      checkSecretKey(secretKey)
      const id = toHex(secretKey)
      let key = signKeys.get(id)
      if (!key) {
        key = s.importKey('pkcs8', concatBytes(PKCS8_PREFIX, secretKey), ALGORITHM, false, ['sign'])
        signKeys.set(id, key)
      }
      return new Uint8Array(await s.sign(ALGORITHM, await key, message))
    },
    async verify(publicKey, message, signature) {
      if (!acceptedPublicKey(publicKey) || !acceptedSignatureShape(signature)) return false
      try {
        const id = toHex(publicKey)
        let key = verifyKeys.get(id)
        if (key === undefined) {
          key = await s.importKey('raw', publicKey, ALGORITHM, false, ['verify'])
          verifyKeys.set(id, key)
        }
        return await s.verify(ALGORITHM, key, signature, message)
      } catch {
        return false
      }
    },
  }
}

/**
 * Inputs on which implementations are known to differ, with the verdict of
 * the shared policy. `mixed-order R` is signed by a key the signer controls
 * but carries an R with a small-order component: a cofactored check accepts
 * it, a cofactorless one rejects it. A backend that disagrees on any case is
 * not used, so every peer reaches the same verdict on every event.
 */
const AGREEMENT_CASES = [
  {
    name: 'mixed-order R',
    publicKey: 'c4c1227d7fff941a976049ecefad7b663fa5121d769cbbd79a53d344e4773e98',
    message: '7465727261696e20656432353531392061677265656d656e74',
    signature:
      'deec92049ddd3ddb42e8e156b404996300981868dbeeb8dcb687006f6520baa145602262b645654d66e526fd6b350adbd7066d6666c83e440feddfdf6bcd8b0d',
    valid: false,
  },
] as const

/** True when `backend` signs like RFC 8032 and agrees with the shared policy on every known divergence. */
export async function agreesWithPolicy(backend: Ed25519Backend): Promise<boolean> {
  try {
    const secret = new Uint8Array(32).fill(7)
    const message = new Uint8Array([1, 2, 3])
    const signature = await backend.sign(secret, message)
    if (toHex(signature) !== toHex(ed25519.sign(message, secret))) return false
    if (!(await backend.verify(getPublicKey(secret), message, signature))) return false
    for (const c of AGREEMENT_CASES) {
      const verdict = await backend.verify(fromHex(c.publicKey), fromHex(c.message), fromHex(c.signature))
      if (verdict !== c.valid) return false
    }
    return true
  } catch {
    return false
  }
}

let chosen: Promise<Ed25519Backend> | undefined

/**
 * The fastest backend this runtime offers: WebCrypto when it passes
 * `agreesWithPolicy`, noble otherwise. Chosen once per runtime.
 */
export function getEd25519(): Promise<Ed25519Backend> {
  chosen ??= (async () => {
    const s = subtle()
    if (!s) return nobleEd25519
    const candidate = webCryptoEd25519(s)
    return (await agreesWithPolicy(candidate)) ? candidate : nobleEd25519
  })()
  return chosen
}

/** The public key of a 32-byte secret seed. */
export function getPublicKey(secretKey: Uint8Array): Uint8Array {
  checkSecretKey(secretKey)
  return ed25519.getPublicKey(secretKey)
}

/** A fresh random secret seed (from the runtime's CSPRNG). */
export function randomSecretKey(): Uint8Array {
  return ed25519.utils.randomSecretKey()
}

/** True when `publicKey` is one the shared policy accepts (canonical, not of small order). */
export function isAcceptedPublicKey(publicKey: Uint8Array): boolean {
  return acceptedPublicKey(publicKey) !== null
}
