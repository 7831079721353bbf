import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ADDRESS_WORDLIST,
  AddressPhraseError,
  addressToPhrase,
  blake3,
  generatorOrder,
  phraseToAddress,
  rsCheckSymbols,
  rsIsCodeword,
  suggestWords,
  toHex,
  utf8,
  type TerrainAddress,
} from '../../core/index.js'
import { errorCode } from './helpers.js'
import { terrainAddress } from './arbitraries.js'

const codeOf = (run: () => unknown) => errorCode(run, AddressPhraseError)

const example: TerrainAddress = { epochId: 7n, regionId: 300n, chunkId: 70000n, cellId: 1 }


describe('phrase addresses', () => {
  it('ships a fixed 2048-word list, unique in its first four letters', async () => {
    expect(ADDRESS_WORDLIST).toHaveLength(2048)
    expect(new Set(ADDRESS_WORDLIST.map((w) => w.slice(0, 4))).size).toBe(2048)
    // Pin the list: a changed list would silently re-map every address.
    expect(toHex(await blake3(utf8(ADDRESS_WORDLIST.join('\n'))))).toBe(
      'f59da64a9e5948af84d1c91685f2c17af31627eae5143857bc799c691f5fc59b',
    )
  })

  it('the check field is GF(2^11) with a primitive generator', () => {
    expect(generatorOrder()).toBe(2047)
    const message = [5, 2046, 0, 77]
    expect(rsIsCodeword([...message, ...rsCheckSymbols(message)])).toBe(true)
  })

  it('encodes the PROTOCOL.md example address as a short phrase and back', () => {
    const phrase = addressToPhrase(example)
    expect(phrase.split(' ')).toHaveLength(9) // 7 canonical bytes -> 6 words, plus 3 check words
    expect(phraseToAddress(phrase)).toEqual(example)
    expect(phraseToAddress(`  ${phrase.toUpperCase().replaceAll(' ', '-')} `)).toEqual(example)
  })

  it('round-trips every address', () => {
    fc.assert(
      fc.property(terrainAddress, (a) => {
        expect(phraseToAddress(addressToPhrase(a))).toEqual(a)
      }),
      { numRuns: 500 },
    )
  })

  it('any one word replaced by any other list word is detected', () => {
    fc.assert(
      fc.property(terrainAddress, fc.nat(), fc.nat({ max: 2047 }), (a, at, replacement) => {
        const words = addressToPhrase(a).split(' ')
        const i = at % words.length
        fc.pre(words[i] !== ADDRESS_WORDLIST[replacement])
        words[i] = ADDRESS_WORDLIST[replacement]!
        expect(codeOf(() => phraseToAddress(words.join(' ')))).toBe('checksum')
      }),
      { numRuns: 500 },
    )
  })

  it('swapping any two different words is detected', () => {
    fc.assert(
      fc.property(terrainAddress, fc.nat(), fc.nat(), (a, x, y) => {
        const words = addressToPhrase(a).split(' ')
        const i = x % words.length
        const j = y % words.length
        fc.pre(words[i] !== words[j])
        ;[words[i], words[j]] = [words[j]!, words[i]!]
        expect(codeOf(() => phraseToAddress(words.join(' ')))).toBe('checksum')
      }),
      { numRuns: 500 },
    )
  })

  it('a shuffled, shortened or lengthened phrase never decodes to another address', () => {
    fc.assert(
      fc.property(terrainAddress, fc.array(fc.nat({ max: 2047 }), { maxLength: 3 }), fc.nat(), (a, extra, cut) => {
        const words = addressToPhrase(a).split(' ')
        const variants = [
          [...words].reverse(),
          words.slice(0, Math.max(0, words.length - 1 - (cut % 3))),
          [...words, ...extra.map((i) => ADDRESS_WORDLIST[i]!)],
          [...words.slice(1), words[0]!],
        ]
        for (const v of variants) {
          if (v.join(' ') === words.join(' ')) continue
          const result = codeOf(() => phraseToAddress(v.join(' ')))
          expect(result).not.toBe('ok')
        }
      }),
      { numRuns: 300 },
    )
  })

  it('a mistyped word not in the list is named, with suggestions', () => {
    const words = addressToPhrase(example).split(' ')
    const typo = words[2]!.slice(0, -1) + (words[2]!.endsWith('x') ? 'y' : 'x')
    fc.pre(!ADDRESS_WORDLIST.includes(typo))
    words[2] = typo
    try {
      phraseToAddress(words.join(' '))
      expect.unreachable()
    } catch (e) {
      expect(e).toMatchObject({ code: 'unknown-word', detail: { position: 2, word: typo } })
      expect((e as AddressPhraseError).detail!.suggestions).toContain(addressToPhrase(example).split(' ')[2])
    }
    expect(suggestWords('abandn')).toContain('abandon')
  })

  it('any input string decodes or raises AddressPhraseError, nothing else', () => {
    const listWords = fc.array(fc.constantFrom(...ADDRESS_WORDLIST), { maxLength: 30 }).map((w) => w.join(' '))
    fc.assert(
      fc.property(fc.oneof(fc.string(), listWords), (input) => {
        try {
          phraseToAddress(input)
        } catch (e) {
          expect(e).toBeInstanceOf(AddressPhraseError)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('rejects too-short and too-long phrases', () => {
    expect(codeOf(() => phraseToAddress('abandon ability able'))).toBe('too-short')
    expect(codeOf(() => phraseToAddress(Array(40).fill('abandon').join(' ')))).toBe('too-long')
  })
})
