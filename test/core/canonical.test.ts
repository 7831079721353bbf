import { describe, expect, it } from 'vitest'
import {
  CanonError,
  adapterCodec,
  bytes,
  capabilityManifestCodec,
  decode,
  encode,
  f64,
  fromHex,
  metricsVectorCodec,
  option,
  providerDescriptorUnsignedCodec,
  string,
  toHex,
  u32,
  u64,
  eventTypeCodec,
  freshnessStrengthCodec,
  bool,
  type CapabilityManifest,
  type ProviderDescriptorUnsigned,
} from '../../core/index.js'

const hex = (s: string) => fromHex(s.replace(/\s/g, ''))
function rejects(run: () => unknown, code: string): void {
  let error: unknown
  try {
    run()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(CanonError)
  expect((error as CanonError).code).toBe(code)
}

describe('varints', () => {
  it('encode as unsigned LEB128', () => {
    expect(toHex(encode(u32, 0))).toBe('00')
    expect(toHex(encode(u32, 127))).toBe('7f')
    expect(toHex(encode(u32, 300))).toBe('ac02')
    expect(toHex(encode(u32, 0xffff_ffff))).toBe('ffffffff0f')
    expect(toHex(encode(u64, 0xffff_ffff_ffff_ffffn))).toBe('ffffffffffffffffff01')
    expect(decode(u64, hex('ffffffffffffffffff01'))).toBe(0xffff_ffff_ffff_ffffn)
  })

  it('accept safe-integer numbers for u64 input, always decoding to bigint', () => {
    expect(toHex(encode(u64, 300 as unknown as bigint))).toBe('ac02')
    expect(decode(u64, hex('ac02'))).toBe(300n)
  })

  it('reject over-long forms', () => {
    rejects(() => decode(u32, hex('8000')), 'varint-overlong')
    rejects(() => decode(u64, hex('ac8200')), 'varint-overlong')
  })

  it('reject values past the type and too many bytes', () => {
    rejects(() => decode(u32, hex('ffffffff1f')), 'varint-overflow')
    rejects(() => decode(u32, hex('8080808080')), 'varint-overflow')
    rejects(() => decode(u64, hex('ffffffffffffffffff02')), 'varint-overflow')
    rejects(() => decode(u64, hex('8080808080808080808001')), 'varint-overflow')
  })

  it('reject truncation and trailing bytes', () => {
    rejects(() => decode(u32, hex('80')), 'truncated')
    rejects(() => decode(u32, hex('')), 'truncated')
    rejects(() => decode(u32, hex('0100')), 'trailing-bytes')
  })

  it('refuse to encode values outside the type', () => {
    rejects(() => encode(u32, -1), 'out-of-range')
    rejects(() => encode(u32, 2 ** 32), 'out-of-range')
    rejects(() => encode(u32, 1.5), 'out-of-range')
    rejects(() => encode(u64, -1n), 'out-of-range')
    rejects(() => encode(u64, 2n ** 64n), 'out-of-range')
    rejects(() => encode(u64, 1.5 as unknown as bigint), 'out-of-range')
    rejects(() => encode(u64, 2 ** 53 as unknown as bigint), 'out-of-range')
    rejects(() => encode(u64, '5' as unknown as bigint), 'out-of-range')
  })
})

describe('floats', () => {
  it('are 8 bytes little-endian, -0.0 written as +0.0', () => {
    expect(toHex(encode(f64, 1))).toBe('000000000000f03f')
    expect(toHex(encode(f64, -0))).toBe('0000000000000000')
    expect(Object.is(decode(f64, encode(f64, -0)), 0)).toBe(true)
  })

  it('reject NaN, infinities and -0.0 bytes', () => {
    rejects(() => encode(f64, Number.NaN), 'non-finite-float')
    rejects(() => encode(f64, Number.POSITIVE_INFINITY), 'non-finite-float')
    rejects(() => decode(f64, hex('000000000000f87f')), 'non-finite-float')
    rejects(() => decode(f64, hex('000000000000f0ff')), 'non-finite-float')
    rejects(() => decode(f64, hex('0000000000000080')), 'negative-zero')
    rejects(() => decode(f64, hex('00000000000000')), 'truncated')
  })
})

describe('strings and bytes', () => {
  it('length-prefix UTF-8', () => {
    expect(toHex(encode(string, 'hé'))).toBe('0368c3a9')
    expect(decode(string, hex('0368c3a9'))).toBe('hé')
    expect(toHex(encode(bytes, new Uint8Array([9, 8])))).toBe('020908')
  })

  it('reject invalid UTF-8: bad continuation, overlong, surrogate, truncated sequence', () => {
    rejects(() => decode(string, hex('02c328')), 'invalid-utf8')
    rejects(() => decode(string, hex('02c0af')), 'invalid-utf8')
    rejects(() => decode(string, hex('03eda080')), 'invalid-utf8')
    rejects(() => decode(string, hex('01e2')), 'invalid-utf8')
  })

  it('refuse to encode a lone surrogate rather than replace it', () => {
    rejects(() => encode(string, 'a\ud800b'), 'invalid-utf8')
  })

  it('reject a length past the end without allocating it', () => {
    rejects(() => decode(bytes, hex('ffffffff0f00')), 'truncated')
    rejects(() => decode(string, hex('05616263')), 'truncated')
  })
})

describe('enums, options, bools', () => {
  it('reject unknown variant indexes', () => {
    rejects(() => decode(eventTypeCodec, hex('0a')), 'unknown-variant')
    rejects(() => decode(freshnessStrengthCodec, hex('03')), 'unknown-variant')
    rejects(() => decode(option(u32), hex('0201')), 'unknown-variant')
    rejects(() => decode(bool, hex('02')), 'unknown-variant')
    rejects(() => encode(eventTypeCodec, 'bogus' as never), 'unknown-variant')
  })

  it('encode variant indexes as varints', () => {
    expect(toHex(encode(eventTypeCodec, 'descriptorPublish'))).toBe('09')
    expect(decode(eventTypeCodec, hex('05'))).toBe('ruleEndorsement')
  })
})

describe('repeated fields and fixed sizes', () => {
  const manifest = (adapters: CapabilityManifest['adapters']): CapabilityManifest => ({
    baseModelId: 'm',
    weightsDigest: new Uint8Array(32),
    runtimeId: 'wasm',
    contextLimit: 1,
    toolSchemasDigest: new Uint8Array(32),
    safetyMode: 'standard',
    adapters,
  })
  const a = { adapterType: 'lora', adapterId: 'a', adapterDigest: new Uint8Array(32).fill(1) }
  const b = { adapterType: 'lora', adapterId: 'b', adapterDigest: new Uint8Array(32).fill(1) }

  it('refuse unsorted or duplicated adapters in both directions', () => {
    rejects(() => encode(capabilityManifestCodec, manifest([b, a])), 'unsorted')
    rejects(() => encode(capabilityManifestCodec, manifest([a, a])), 'duplicate')
    const empty = encode(capabilityManifestCodec, manifest([]))
    const head = empty.slice(0, empty.length - 1) // everything before the adapter count
    const reordered = new Uint8Array([...head, 2, ...encode(adapterCodec, b), ...encode(adapterCodec, a)])
    rejects(() => decode(capabilityManifestCodec, reordered), 'unsorted')
    const duplicated = new Uint8Array([...head, 2, ...encode(adapterCodec, a), ...encode(adapterCodec, a)])
    rejects(() => decode(capabilityManifestCodec, duplicated), 'duplicate')
  })

  it('refuse unsorted or duplicated contact points, ordered by UTF-8 bytes', () => {
    const unsigned = (contactPoints: string[]): ProviderDescriptorUnsigned => ({
      world: new Uint8Array(32),
      descriptorEpoch: 1n,
      contactPoints,
      capability: { type: 'fah', fah: new Uint8Array(32) },
    })
    rejects(() => encode(providerDescriptorUnsignedCodec, unsigned(['b', 'a'])), 'unsorted')
    rejects(() => encode(providerDescriptorUnsignedCodec, unsigned(['a', 'a'])), 'duplicate')
    // UTF-16 order puts U+1F600 (D83D…) before U+FF61; UTF-8 order (F0… vs EF…) puts it after.
    expect('\u{1f600}' < '\uff61').toBe(true)
    expect(() => encode(providerDescriptorUnsignedCodec, unsigned(['\uff61', '\u{1f600}']))).not.toThrow()
    rejects(() => encode(providerDescriptorUnsignedCodec, unsigned(['\u{1f600}', '\uff61'])), 'unsorted')
    const bytesBA = hex('00'.repeat(32) + '01' + '02' + '0162' + '0161' + '00' + '00'.repeat(32))
    rejects(() => decode(providerDescriptorUnsignedCodec, bytesBA), 'unsorted')
  })

  it('refuse ids that are not 32 bytes', () => {
    rejects(
      () =>
        encode(providerDescriptorUnsignedCodec, {
          world: new Uint8Array(31),
          descriptorEpoch: 1n,
          contactPoints: [],
          capability: { type: 'fah', fah: new Uint8Array(32) },
        }),
      'wrong-length',
    )
  })

  it('name the failing field in the error path', () => {
    const metrics = encode(metricsVectorCodec, {
      successRate: 1,
      refusalConsistency: 1,
      toolFidelity: 1,
      latencyP50Ms: 1,
      latencyP95Ms: 1,
      robustnessScore: 1,
      driftIndicator: 1,
      freshness: 'weak',
    })
    metrics.set(hex('000000000000f87f'), 0)
    try {
      decode(metricsVectorCodec, metrics)
      expect.unreachable()
    } catch (e) {
      expect((e as CanonError).path).toBe('MetricsVector.successRate')
    }
  })
})
