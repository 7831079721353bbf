/**
 * Onion layers of relay cell bodies (`cellBytes − 13` bytes). A cell for
 * hop d is sealed with ChaCha20-Poly1305 under d's AEAD key, then each hop
 * before d adds (forward: the client adds them all up front) or removes a
 * ChaCha20 layer under its stream key. A hop recognises a cell meant for it
 * by its AEAD tag. Every layer operation on a cell uses the nonce
 * `direction (u32 BE: 0 forward, 1 backward) || seq (u64 BE)`, where `seq`
 * is the cell's seq on the hop's link toward the client.
 */
import { poly1305 } from '@noble/ciphers/_poly1305.js'
import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js'
import type { CircuitKeys } from './handshake.js'
import { AEAD_TAG_BYTES } from './relay-message.js'

export type Direction = 'forward' | 'backward'

export function cellNonce(direction: Direction, seq: number): Uint8Array {
  const nonce = new Uint8Array(12)
  const view = new DataView(nonce.buffer)
  view.setUint32(0, direction === 'forward' ? 0 : 1)
  view.setUint32(4, Math.floor(seq / 2 ** 32))
  view.setUint32(8, seq >>> 0)
  return nonce
}

/** Seals `plaintext` into `body`, which is 16 bytes longer (ciphertext, then tag). */
export function sealBody(aeadKey: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, body: Uint8Array): void {
  chacha20poly1305(aeadKey, nonce).encrypt(plaintext, body)
}

const ZEROS = new Uint8Array(32)
let scratch = new Uint8Array(0)

/**
 * ChaCha20 XOR of `data` in place from block `counter`. A cell body starts
 * 13 bytes into its cell, and noble XORs unaligned buffers byte by byte; a
 * copy through an aligned scratch buffer and back is faster.
 */
function xorInPlace(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, counter: number): void {
  if (data.byteOffset % 4 === 0) {
    chacha20(key, nonce, data, data, counter)
    return
  }
  if (scratch.length < data.length) scratch = new Uint8Array(data.length)
  const aligned = scratch.subarray(0, data.length)
  aligned.set(data)
  chacha20(key, nonce, aligned, aligned, counter)
  data.set(aligned)
}

/**
 * RFC 8439 AEAD decryption in place, without exceptions: every hop runs it
 * on every relay cell and it fails on most of them, and a thrown error
 * costs more than the MAC. Returns the plaintext (a view of `body`) if the
 * tag matches; otherwise leaves `body` untouched and returns undefined.
 */
export function openBody(aeadKey: Uint8Array, nonce: Uint8Array, body: Uint8Array): Uint8Array | undefined {
  const length = body.length - AEAD_TAG_BYTES
  const ciphertext = body.subarray(0, length)
  const mac = poly1305.create(chacha20(aeadKey, nonce, ZEROS))
  mac.update(ciphertext)
  if (length % 16) mac.update(ZEROS.subarray(0, 16 - (length % 16)))
  const lengths = new Uint8Array(16) // le64(AAD length = 0) || le64(ciphertext length)
  new DataView(lengths.buffer).setUint32(8, length, true)
  mac.update(lengths)
  const tag = mac.digest()
  let diff = 0
  for (let i = 0; i < AEAD_TAG_BYTES; i++) diff |= tag[i]! ^ body[length + i]!
  if (diff !== 0) return undefined
  xorInPlace(aeadKey, nonce, ciphertext, 1)
  return ciphertext
}

/** Adds or removes (XOR is its own inverse) one stream layer, in place. */
export function xorBody(streamKey: Uint8Array, nonce: Uint8Array, body: Uint8Array): void {
  xorInPlace(streamKey, nonce, body, 0)
}

interface OnionHop {
  keys: CircuitKeys
  /** Forward cells that reached this hop so far: the seq of the next one on its link toward the client. */
  forwardSeq: number
  /** Backward cells this hop sent toward the client so far (its own and relayed ones). */
  backwardSeq: number
}

/**
 * The client's view of a circuit's layers. It tracks, per hop, the seq that
 * hop sees on its client-side link, which differs from hop to hop: a cell
 * for hop 1 never reaches hop 2.
 */
export class ClientOnion {
  private readonly hops: OnionHop[] = []

  get length(): number {
    return this.hops.length
  }

  addHop(keys: CircuitKeys): void {
    this.hops.push({ keys, forwardSeq: 0, backwardSeq: 0 })
  }

  /** Seq the next backward cell must carry on the first link. */
  get expectedBackwardSeq(): number {
    return this.hops[0]?.backwardSeq ?? 0
  }

  /**
   * Seals `plaintext` for hop `destination` (1-based) into `body` and adds
   * the stream layers of the hops before it; returns the cell's seq on the
   * first link.
   */
  wrap(destination: number, plaintext: Uint8Array, body: Uint8Array): number {
    const target = this.hops[destination - 1]
    if (!target) throw new RangeError(`no hop ${destination} on a circuit of ${this.hops.length}`)
    sealBody(target.keys.forwardAead, cellNonce('forward', target.forwardSeq), plaintext, body)
    for (let k = destination - 2; k >= 0; k--) {
      const hop = this.hops[k]!
      xorBody(hop.keys.forwardStream, cellNonce('forward', hop.forwardSeq), body)
    }
    const seq = this.hops[0]!.forwardSeq
    for (let k = 0; k < destination; k++) this.hops[k]!.forwardSeq++
    return seq
  }

  /**
   * Peels a backward body in place, hop by hop, until one hop's AEAD opens
   * it. Returns that hop (1-based) and the plaintext, or undefined when no
   * hop sealed it (tampered).
   */
  unwrap(body: Uint8Array): { hop: number; plaintext: Uint8Array } | undefined {
    for (let k = 0; k < this.hops.length; k++) {
      const hop = this.hops[k]!
      const nonce = cellNonce('backward', hop.backwardSeq)
      const plaintext = openBody(hop.keys.backwardAead, nonce, body)
      if (plaintext) {
        for (let j = 0; j <= k; j++) this.hops[j]!.backwardSeq++
        return { hop: k + 1, plaintext }
      }
      xorBody(hop.keys.backwardStream, nonce, body)
    }
    return undefined
  }
}
