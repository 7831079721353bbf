/**
 * Phrase addresses: a `TerrainAddress` written as words a person can read out
 * and type. The canonical bytes become 11-bit symbols, each one word of the
 * BIP-39 English list (2048 words, unique in their first four letters), and
 * three Reed–Solomon check words follow. A mistyped word is either not in the
 * list or fails the check; reordered words fail the check. See docs/protocol.md.
 */
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { CanonError, Reader } from './canonical.js'
import { TerrainError } from './errors.js'
import { CHECK_SYMBOLS, rsCheckSymbols, rsIsCodeword } from './gf2048.js'
import { encodeTerrainAddress, terrainAddressCodec } from './structs.js'
import type { TerrainAddress } from './types.js'

export const ADDRESS_WORDLIST: readonly string[] = wordlist
const WORD_INDEX = new Map(ADDRESS_WORDLIST.map((w, i) => [w, i]))
const SYMBOL_BITS = 11
/** Checked but never written: binds the check words to this use and version. */
const DOMAIN_SYMBOL = 0x7a1

export type AddressPhraseErrorCode = 'unknown-word' | 'too-short' | 'too-long' | 'checksum' | 'malformed'

export class AddressPhraseError extends TerrainError {
  declare readonly code: AddressPhraseErrorCode
  constructor(
    code: AddressPhraseErrorCode,
    message: string,
    /** For `unknown-word`: its position and the nearest list words. */
    readonly detail?: { position: number; word: string; suggestions: string[] },
  ) {
    super(code, message)
  }
}

/** Longest canonical TerrainAddress: three 10-byte u64 varints and a 5-byte u32. */
const MAX_ADDRESS_BYTES = 35
const MAX_DATA_WORDS = Math.ceil((MAX_ADDRESS_BYTES * 8) / SYMBOL_BITS)

function bytesToSymbols(bytes: Uint8Array): number[] {
  const symbols: number[] = []
  let acc = 0
  let bits = 0
  for (const b of bytes) {
    acc = (acc << 8) | b
    bits += 8
    if (bits >= SYMBOL_BITS) {
      bits -= SYMBOL_BITS
      symbols.push((acc >> bits) & 0x7ff)
      acc &= (1 << bits) - 1
    }
  }
  if (bits > 0) symbols.push((acc << (SYMBOL_BITS - bits)) & 0x7ff)
  return symbols
}

function symbolsToBits(symbols: readonly number[]): Uint8Array {
  const bits = new Uint8Array(symbols.length * SYMBOL_BITS)
  symbols.forEach((s, i) => {
    for (let b = 0; b < SYMBOL_BITS; b++) bits[i * SYMBOL_BITS + b] = (s >> (SYMBOL_BITS - 1 - b)) & 1
  })
  return bits
}

/** Encode an address as words, e.g. `"abandon zoo …"`. */
export function addressToPhrase(address: TerrainAddress): string {
  const data = bytesToSymbols(encodeTerrainAddress(address))
  const check = rsCheckSymbols([DOMAIN_SYMBOL, ...data])
  return [...data, ...check].map((s) => ADDRESS_WORDLIST[s]).join(' ')
}

function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]!
}

/** List words closest to a mistyped one: same 4-letter prefix, or within edit distance 2. */
export function suggestWords(word: string, max = 5): string[] {
  const w = word.toLowerCase()
  return ADDRESS_WORDLIST.map((candidate) => ({
    candidate,
    d: candidate.slice(0, 4) === w.slice(0, 4) && w.length >= 4 ? 0 : editDistance(w, candidate, 2),
  }))
    .filter(({ d }) => d <= 2)
    .sort((x, y) => x.d - y.d)
    .slice(0, max)
    .map(({ candidate }) => candidate)
}

/** Decode words back to the address; any typo, reorder, or missing word is an error, never another address. */
export function phraseToAddress(phrase: string): TerrainAddress {
  const words = phrase.trim().toLowerCase().split(/[\s-]+/u).filter((w) => w !== '')
  if (words.length < CHECK_SYMBOLS + 1) {
    throw new AddressPhraseError('too-short', `an address phrase has at least ${CHECK_SYMBOLS + 1} words`)
  }
  if (words.length > MAX_DATA_WORDS + CHECK_SYMBOLS) {
    throw new AddressPhraseError('too-long', `an address phrase has at most ${MAX_DATA_WORDS + CHECK_SYMBOLS} words`)
  }
  const symbols = words.map((word, position) => {
    const index = WORD_INDEX.get(word)
    if (index === undefined) {
      const suggestions = suggestWords(word)
      const hint = suggestions.length ? `; did you mean ${suggestions.join(', ')}?` : ''
      throw new AddressPhraseError('unknown-word', `word ${position + 1} "${word}" is not in the list${hint}`, {
        position,
        word,
        suggestions,
      })
    }
    return index
  })
  if (!rsIsCodeword([DOMAIN_SYMBOL, ...symbols])) {
    throw new AddressPhraseError('checksum', 'the check words do not match: a word is mistyped, missing or out of order')
  }
  const bits = symbolsToBits(symbols.slice(0, -CHECK_SYMBOLS))
  const bytes = new Uint8Array(Math.floor(bits.length / 8))
  for (let i = 0; i < bytes.length; i++) {
    for (let b = 0; b < 8; b++) bytes[i]! |= bits[i * 8 + b]! << (7 - b)
  }
  const reader = new Reader(bytes)
  let address: TerrainAddress
  try {
    address = terrainAddressCodec.read(reader)
  } catch (e) {
    if (e instanceof CanonError) throw new AddressPhraseError('malformed', `address bytes are malformed: ${e.message}`)
    throw e
  }
  // Only zero padding may follow, and less than one word of it: the encoding is unique.
  const used = reader.offset * 8
  if (bits.length - used >= SYMBOL_BITS || bits.subarray(used).some((bit) => bit !== 0)) {
    throw new AddressPhraseError('malformed', 'address phrase has extra data after the address')
  }
  return address
}
