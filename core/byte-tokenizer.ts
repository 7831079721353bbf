/**
 * The byte-level tokenizer of the built-in models: token ids 0–255 are the
 * UTF-8 bytes of the text, followed by three specials. Every string
 * round-trips and nothing needs a vocabulary file; the cost is one token per
 * byte, which is fine at the models' context sizes.
 */
import { TerrainError } from './errors.js'

/** Begins every sequence the models see. */
export const BOS_TOKEN = 256
/** Ends an answer; generation stops on it. */
export const EOS_TOKEN = 257
/** Fills batches in training; never generated on purpose. */
export const PAD_TOKEN = 258
/** 256 bytes plus the three specials. */
export const BYTE_VOCAB_SIZE = 259

export class TokenizerError extends TerrainError {
  declare readonly code: 'unknown-token'
  constructor(readonly token: number) {
    super('unknown-token', `token ${token} is not in the byte vocabulary (0..${BYTE_VOCAB_SIZE - 1})`)
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The UTF-8 bytes of `text` as token ids. */
export function encodeText(text: string): number[] {
  return Array.from(encoder.encode(text))
}

/** A prompt as the models expect it: BOS, then its bytes. */
export function encodePrompt(text: string): number[] {
  return [BOS_TOKEN, ...encodeText(text)]
}

function checkToken(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= BYTE_VOCAB_SIZE) throw new TokenizerError(id)
}

/** The text of `ids`; specials carry no text. Invalid UTF-8 becomes U+FFFD. */
export function decodeTokens(ids: Iterable<number>): string {
  const bytes: number[] = []
  for (const id of ids) {
    checkToken(id)
    if (id < 256) bytes.push(id)
  }
  return decoder.decode(new Uint8Array(bytes))
}

/** Length of the UTF-8 sequence a lead byte starts (1 for ASCII and for stray bytes). */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4
  if (lead >= 0xe0) return 3
  if (lead >= 0xc0) return 2
  return 1
}

/**
 * Turns a stream of token ids into text pieces for streaming: a character
 * whose UTF-8 bytes span several tokens is held back until it is complete.
 */
export class TokenTextStream {
  private pending: number[] = []

  /** The text that `id` completes ('' while a character is still partial). */
  push(id: number): string {
    checkToken(id)
    if (id >= 256) return ''
    this.pending.push(id)
    let lead = this.pending.length - 1
    while (lead > 0 && lead > this.pending.length - 4 && (this.pending[lead]! & 0xc0) === 0x80) lead--
    const complete = this.pending.length - lead >= sequenceLength(this.pending[lead]!)
    const cut = complete ? this.pending.length : lead
    const text = decoder.decode(new Uint8Array(this.pending.slice(0, cut)))
    this.pending = this.pending.slice(cut)
    return text
  }

  /** Whatever is held back, decoded as is (an unfinished character becomes U+FFFD). */
  flush(): string {
    const text = decoder.decode(new Uint8Array(this.pending))
    this.pending = []
    return text
  }
}
