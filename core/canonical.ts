/**
 * The canonical encoding of PROTOCOL.md §1: postcard's wire format, field by
 * field, with a strict decoder. Every struct codec in `structs.ts` is built
 * from the primitives and combinators here, so strictness lives in one place.
 */
import { TerrainError } from './errors.js'

export type CanonErrorCode =
  | 'truncated'
  | 'trailing-bytes'
  | 'varint-overlong'
  | 'varint-overflow'
  | 'unknown-variant'
  | 'invalid-utf8'
  | 'non-finite-float'
  | 'negative-zero'
  | 'unsorted'
  | 'duplicate'
  | 'wrong-length'
  | 'out-of-range'
  | 'too-large'

/** Malformed canonical bytes, or a value that has no canonical encoding. */
export class CanonError extends TerrainError {
  declare readonly code: CanonErrorCode
  /** Dotted path of the field being read or written, e.g. `Event.body.metrics.success_rate`. */
  readonly path: string

  constructor(code: CanonErrorCode, path: string, detail: string) {
    super(code, `${path || '<root>'}: ${detail}`)
    this.path = path
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const utf8Encoder = new TextEncoder()

/** Growable output buffer. */
export class Writer {
  private buf: Uint8Array
  private view: DataView
  length = 0
  /** Field path stack, only joined when an error is raised. */
  readonly path: string[] = []

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity)
    this.view = new DataView(this.buf.buffer)
  }

  private reserve(extra: number): void {
    const needed = this.length + extra
    if (needed <= this.buf.length) return
    let capacity = this.buf.length * 2
    while (capacity < needed) capacity *= 2
    const next = new Uint8Array(capacity)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  byte(b: number): void {
    this.reserve(1)
    this.buf[this.length++] = b
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  varint(n: number | bigint): void {
    if (typeof n === 'number') {
      // Fast path for values that fit a JS number exactly (every u32).
      while (n >= 0x80) {
        this.byte((n % 0x80) | 0x80)
        n = Math.floor(n / 0x80)
      }
      this.byte(n)
      return
    }
    while (n >= 0x80n) {
      this.byte(Number(n & 0x7fn) | 0x80)
      n >>= 7n
    }
    this.byte(Number(n))
  }

  f64(x: number): void {
    this.reserve(8)
    this.view.setFloat64(this.length, x, true)
    this.length += 8
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length)
  }

  fail(code: CanonErrorCode, detail: string): never {
    throw new CanonError(code, this.path.join('.'), detail)
  }
}

/** Cursor over input bytes; every read is bounds-checked. */
export class Reader {
  offset = 0
  private readonly view: DataView
  /** Field path stack, only joined when an error is raised. */
  readonly path: string[] = []

  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  get remaining(): number {
    return this.buf.length - this.offset
  }

  fail(code: CanonErrorCode, detail: string): never {
    throw new CanonError(code, this.path.join('.'), detail)
  }

  byte(): number {
    if (this.offset >= this.buf.length) this.fail('truncated', 'unexpected end of input')
    return this.buf[this.offset++]!
  }

  take(n: number): Uint8Array {
    if (n > this.remaining) this.fail('truncated', `needs ${n} bytes, ${this.remaining} left`)
    const out = this.buf.subarray(this.offset, this.offset + n)
    this.offset += n
    return out
  }

  /** Unsigned LEB128 of at most `maxBytes` bytes, rejecting over-long and overflowing forms. */
  varint(maxBits: 32 | 64): bigint {
    const maxBytes = Math.ceil(maxBits / 7)
    let value = 0n
    for (let i = 0; i < maxBytes; i++) {
      const b = this.byte()
      value |= BigInt(b & 0x7f) << BigInt(7 * i)
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) this.fail('varint-overlong', 'varint has a redundant zero group')
        if (value >> BigInt(maxBits) !== 0n) this.fail('varint-overflow', `varint exceeds u${maxBits}`)
        return value
      }
    }
    return this.fail('varint-overflow', `varint longer than ${maxBytes} bytes`)
  }

  /** u32 varint read without BigInt (hot path for lengths and small fields). */
  u32(): number {
    let value = 0
    for (let i = 0; i < 5; i++) {
      const b = this.byte()
      value += (b & 0x7f) * 2 ** (7 * i)
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) this.fail('varint-overlong', 'varint has a redundant zero group')
        if (value > 0xffff_ffff) this.fail('varint-overflow', 'varint exceeds u32')
        return value
      }
    }
    return this.fail('varint-overflow', 'varint longer than 5 bytes')
  }

  f64(): number {
    const bytes = this.take(8)
    const x = this.view.getFloat64(bytes.byteOffset - this.buf.byteOffset, true)
    if (!Number.isFinite(x)) this.fail('non-finite-float', 'NaN and infinities are not canonical')
    if (x === 0 && bytes[7] === 0x80) this.fail('negative-zero', '-0.0 is encoded as +0.0')
    return x
  }

  /** A length or element count; bounded by the bytes left, so a hostile count cannot allocate. */
  count(minElementBytes: number): number {
    const n = this.u32()
    if (n * minElementBytes > this.remaining) {
      this.fail('truncated', `${n} elements cannot fit in ${this.remaining} bytes`)
    }
    return n
  }

  utf8(bytes: Uint8Array): string {
    try {
      return utf8Decoder.decode(bytes)
    } catch {
      return this.fail('invalid-utf8', 'string is not valid UTF-8')
    }
  }
}

/** One canonical type: how to write a value and how to read it back strictly. */
export interface Codec<T> {
  /** Human name used in error paths. */
  readonly name: string
  /** Smallest encoded size, used to bound hostile element counts. */
  readonly minBytes: number
  write(w: Writer, value: T): void
  read(r: Reader): T
}

export const u8: Codec<number> = {
  name: 'u8',
  minBytes: 1,
  write(w, v) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) w.fail('out-of-range', `not a u8: ${v}`)
    w.byte(v)
  },
  read: (r) => r.byte(),
}

export const u32: Codec<number> = {
  name: 'u32',
  minBytes: 1,
  write(w, v) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) w.fail('out-of-range', `not a u32: ${v}`)
    w.varint(v)
  },
  read: (r) => r.u32(),
}

/** A u64 as bigint; a non-negative safe-integer number is accepted on input for convenience. */
export function toU64(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
  return typeof v === 'bigint' && v >= 0n && v <= 0xffff_ffff_ffff_ffffn ? v : undefined
}

export const u64: Codec<bigint> = {
  name: 'u64',
  minBytes: 1,
  write(w, v) {
    w.varint(toU64(v) ?? w.fail('out-of-range', `not a u64: ${String(v)}`))
  },
  read: (r) => r.varint(64),
}

export const bool: Codec<boolean> = {
  name: 'bool',
  minBytes: 1,
  write(w, v) {
    if (typeof v !== 'boolean') w.fail('out-of-range', 'not a boolean')
    w.byte(v ? 1 : 0)
  },
  read(r) {
    const b = r.byte()
    if (b > 1) r.fail('unknown-variant', `bool byte ${b}`)
    return b === 1
  },
}

export const f64: Codec<number> = {
  name: 'f64',
  minBytes: 8,
  write(w, v) {
    if (typeof v !== 'number' || !Number.isFinite(v)) w.fail('non-finite-float', `not a finite f64: ${v}`)
    w.f64(v === 0 ? 0 : v) // -0.0 is written as +0.0
  },
  read: (r) => r.f64(),
}

/** Fixed-size byte array (`Bytes32` and the id newtypes): raw bytes, no length prefix. */
export function fixedBytes(length: number): Codec<Uint8Array> {
  return {
    name: `Bytes${length}`,
    minBytes: length,
    write(w, v) {
      if (!(v instanceof Uint8Array) || v.length !== length) {
        w.fail('wrong-length', `expected ${length} bytes, got ${v instanceof Uint8Array ? v.length : typeof v}`)
      }
      w.bytes(v)
    },
    read: (r) => r.take(length).slice(),
  }
}

export const bytes32 = fixedBytes(32)

/** Variable-length bytes: varint length, then the bytes. */
export const bytes: Codec<Uint8Array> = {
  name: 'bytes',
  minBytes: 1,
  write(w, v) {
    if (!(v instanceof Uint8Array)) w.fail('out-of-range', 'not a Uint8Array')
    u32.write(w, v.length)
    w.bytes(v)
  },
  read: (r) => r.take(r.count(1)).slice(),
}

export const string: Codec<string> = {
  name: 'string',
  minBytes: 1,
  write(w, v) {
    if (typeof v !== 'string') w.fail('out-of-range', 'not a string')
    // A lone surrogate has no UTF-8 form; TextEncoder would silently replace it.
    if (!v.isWellFormed()) w.fail('invalid-utf8', 'string contains a lone surrogate')
    const encoded = utf8Encoder.encode(v)
    u32.write(w, encoded.length)
    w.bytes(encoded)
  },
  read: (r) => r.utf8(r.take(r.count(1))),
}

export function option<T>(inner: Codec<T>): Codec<T | undefined> {
  return {
    name: `Option<${inner.name}>`,
    minBytes: 1,
    write(w, v) {
      if (v === undefined) {
        w.byte(0)
      } else {
        w.byte(1)
        inner.write(w, v)
      }
    },
    read(r) {
      const tag = r.byte()
      if (tag === 0) return undefined
      if (tag !== 1) r.fail('unknown-variant', `Option tag ${tag}`)
      return inner.read(r)
    },
  }
}

/**
 * `Vec<T>`. With `order`, the elements must be strictly increasing: the
 * encoder refuses unsorted or duplicated input (callers normalise first) and
 * the decoder rejects it, so every accepted encoding is the canonical one.
 */
export function vec<T>(inner: Codec<T>, order?: (a: T, b: T) => number): Codec<T[]> {
  const checkOrder = (items: T[], fail: (code: CanonErrorCode, detail: string) => never): void => {
    if (!order) return
    for (let i = 1; i < items.length; i++) {
      const c = order(items[i - 1]!, items[i]!)
      if (c === 0) fail('duplicate', `element ${i} repeats element ${i - 1}`)
      if (c > 0) fail('unsorted', `element ${i} sorts before element ${i - 1}`)
    }
  }
  return {
    name: `Vec<${inner.name}>`,
    minBytes: 1,
    write(w, items) {
      if (!Array.isArray(items)) w.fail('out-of-range', 'not an array')
      checkOrder(items, (code, detail) => w.fail(code, detail))
      u32.write(w, items.length)
      for (let i = 0; i < items.length; i++) {
        w.path.push(`[${i}]`)
        inner.write(w, items[i]!)
        w.path.pop()
      }
    },
    read(r) {
      const n = r.count(inner.minBytes)
      const items: T[] = new Array(n)
      for (let i = 0; i < n; i++) {
        r.path.push(`[${i}]`)
        items[i] = inner.read(r)
        r.path.pop()
      }
      checkOrder(items, (code, detail) => r.fail(code, detail))
      return items
    },
  }
}

type Fields<T> = { readonly [K in keyof T]-?: readonly [K, Codec<T[K]>] }[keyof T][]

/**
 * A struct: its fields' encodings concatenated in the declared order. The
 * list is `[camelCaseKey, codec]` pairs, written in PROTOCOL.md §2 order.
 */
export function struct<T extends object>(name: string, fields: Fields<T>): Codec<T> {
  const minBytes = fields.reduce((sum, [, codec]) => sum + codec.minBytes, 0)
  return {
    name,
    minBytes,
    write(w, value) {
      if (typeof value !== 'object' || value === null) w.fail('out-of-range', `${name} must be an object`)
      for (const [key, codec] of fields) {
        w.path.push(String(key))
        codec.write(w, value[key])
        w.path.pop()
      }
    },
    read(r) {
      const out = {} as T
      for (const [key, codec] of fields) {
        r.path.push(String(key))
        out[key] = codec.read(r)
        r.path.pop()
      }
      return out
    },
  }
}

/** A fieldless enum, represented by its variant names in declaration order. */
export function unitEnum<N extends string>(name: string, variants: readonly N[]): Codec<N> {
  const index = new Map(variants.map((v, i) => [v, i]))
  return {
    name,
    minBytes: 1,
    write(w, v) {
      const i = index.get(v) ?? w.fail('unknown-variant', `unknown ${name} ${String(v)}`)
      w.varint(i)
    },
    read(r) {
      const i = r.u32()
      const v = variants[i]
      return v === undefined ? r.fail('unknown-variant', `${name} index ${i}`) : v
    },
  }
}

/**
 * An enum with payloads, represented in TS as `{ type, [payloadKey]: payload }`.
 * `variants` lists `[type, payloadKey, codec]` in declaration order.
 */
export function taggedEnum<T extends { type: string }>(
  name: string,
  variants: readonly (readonly [T['type'], string, Codec<unknown>])[],
): Codec<T> {
  const index = new Map(variants.map(([type], i) => [type, i]))
  return {
    name,
    minBytes: 1 + Math.min(...variants.map(([, , c]) => c.minBytes)),
    write(w, v) {
      const i = (typeof v === 'object' && v !== null ? index.get(v.type) : undefined) ?? w.fail('unknown-variant', `unknown ${name} variant`)
      const [, key, codec] = variants[i]!
      w.varint(i)
      w.path.push(key)
      codec.write(w, (v as Record<string, unknown>)[key])
      w.path.pop()
    },
    read(r) {
      const i = r.u32()
      const variant = variants[i] ?? r.fail('unknown-variant', `${name} index ${i}`)
      const [type, key, codec] = variant
      r.path.push(key)
      const payload = codec.read(r)
      r.path.pop()
      return { type, [key]: payload } as T
    },
  }
}

/** Encode a value with its codec. Throws `CanonError` for values without a canonical form. */
export function encode<T>(codec: Codec<T>, value: T): Uint8Array {
  const w = new Writer()
  w.path.push(codec.name)
  codec.write(w, value)
  return w.finish()
}

/** Strictly decode exactly one value: any leftover byte is an error. */
export function decode<T>(codec: Codec<T>, input: Uint8Array): T {
  if (!(input instanceof Uint8Array)) throw new CanonError('out-of-range', codec.name, 'input is not a Uint8Array')
  const r = new Reader(input)
  r.path.push(codec.name)
  const value = codec.read(r)
  if (r.remaining !== 0) r.fail('trailing-bytes', `${r.remaining} bytes after the value`)
  return value
}
