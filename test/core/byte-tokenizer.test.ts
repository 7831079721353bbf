import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BOS_TOKEN, BYTE_VOCAB_SIZE, decodeTokens, encodePrompt, encodeText, EOS_TOKEN, PAD_TOKEN, TokenizerError, TokenTextStream } from '../../core/index.js'

describe('byte tokenizer', () => {
  it('maps text to its UTF-8 bytes and prompts to BOS + bytes', () => {
    expect(encodeText('a=é')).toEqual([0x61, 0x3d, 0xc3, 0xa9])
    expect(encodePrompt('hi')).toEqual([BOS_TOKEN, 0x68, 0x69])
    expect([BOS_TOKEN, EOS_TOKEN, PAD_TOKEN, BYTE_VOCAB_SIZE]).toEqual([256, 257, 258, 259])
  })

  it('round-trips any string, specials carrying no text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(decodeTokens(encodeText(text))).toBe(text)
        expect(decodeTokens([...encodePrompt(text), EOS_TOKEN, PAD_TOKEN])).toBe(text)
      }),
    )
  })

  it('rejects ids outside the vocabulary with a typed error', () => {
    for (const id of [-1, 259, 1.5, Number.NaN]) {
      const e = (() => {
        try {
          decodeTokens([65, id])
        } catch (error) {
          return error
        }
      })()
      expect(e).toBeInstanceOf(TokenizerError)
      expect((e as TokenizerError).code).toBe('unknown-token')
    }
    expect(() => new TokenTextStream().push(300)).toThrow(TokenizerError)
  })

  it('streams text without splitting a character across pieces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const stream = new TokenTextStream()
        const pieces = encodeText(text).map((id) => stream.push(id))
        expect(pieces.join('') + stream.flush()).toBe(text)
        // Every piece is whole text: re-encoding it yields exactly its bytes, no U+FFFD.
        for (const piece of pieces) expect(piece).not.toContain('\ufffd')
      }),
    )
  })

  it('holds back a partial character and flushes it as U+FFFD when the stream ends', () => {
    const stream = new TokenTextStream()
    expect(stream.push(0x61)).toBe('a')
    expect(stream.push(0xe2)).toBe('')
    expect(stream.push(0x82)).toBe('')
    expect(stream.flush()).toBe('\ufffd')
    expect(stream.push(0x80)).toBe('\ufffd') // a stray continuation byte is not held forever
  })
})
