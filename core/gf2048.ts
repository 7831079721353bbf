/**
 * Arithmetic in GF(2^11) and a Reed–Solomon check over it, for phrase
 * addresses: one field element per 2048-word-list word. Three check symbols
 * give minimum distance 4, so any change of up to three words, including any
 * swap of two, is always detected.
 */

const BITS = 11
export const FIELD_SIZE = 1 << BITS
/** x^11 + x^2 + 1, a primitive polynomial: α = x generates all 2047 non-zero elements. */
const PRIMITIVE = 0b1000_0000_0101

const EXP = new Uint16Array(2 * (FIELD_SIZE - 1))
const LOG = new Uint16Array(FIELD_SIZE)
{
  let x = 1
  for (let i = 0; i < FIELD_SIZE - 1; i++) {
    EXP[i] = x
    LOG[x] = i
    x <<= 1
    if (x & FIELD_SIZE) x ^= PRIMITIVE
  }
  for (let i = FIELD_SIZE - 1; i < EXP.length; i++) EXP[i] = EXP[i - (FIELD_SIZE - 1)]!
}

export function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!
}

export function gfPow(exponent: number): number {
  return EXP[exponent % (FIELD_SIZE - 1)]!
}

/** Number of distinct powers of α; 2047 when the polynomial is primitive. */
export function generatorOrder(): number {
  return new Set(EXP.subarray(0, FIELD_SIZE - 1)).size
}

export const CHECK_SYMBOLS = 3

/** g(x) = (x - α)(x - α²)(x - α³), highest degree first. */
const GENERATOR = (() => {
  let g = [1]
  for (let i = 1; i <= CHECK_SYMBOLS; i++) {
    const root = gfPow(i)
    const next = new Array<number>(g.length + 1).fill(0)
    for (let j = 0; j < g.length; j++) {
      next[j] = next[j]! ^ g[j]!
      next[j + 1] = next[j + 1]! ^ gfMul(g[j]!, root)
    }
    g = next
  }
  return g
})()

/** Systematic RS check symbols for `message` (symbols < 2048, highest degree first). */
export function rsCheckSymbols(message: readonly number[]): number[] {
  const remainder = new Array<number>(CHECK_SYMBOLS).fill(0)
  for (const symbol of message) {
    const factor = symbol ^ remainder[0]!
    remainder.shift()
    remainder.push(0)
    for (let j = 0; j < CHECK_SYMBOLS; j++) remainder[j] = remainder[j]! ^ gfMul(GENERATOR[j + 1]!, factor)
  }
  return remainder
}

/** True when `codeword` (message then check symbols) has α, α², α³ as roots. */
export function rsIsCodeword(codeword: readonly number[]): boolean {
  for (let i = 1; i <= CHECK_SYMBOLS; i++) {
    const root = gfPow(i)
    let value = 0
    for (const symbol of codeword) value = gfMul(value, root) ^ symbol
    if (value !== 0) return false
  }
  return true
}
