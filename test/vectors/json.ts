/**
 * JSON form of protocol values in the vector files: bytes as `0x…` hex
 * strings, u64 as decimal strings ending in `n`; everything else as is.
 */
import { fromHex, toHex } from '../../core/index.js'

export function toVectorJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v: unknown) => (v instanceof Uint8Array ? `0x${toHex(v)}` : typeof v === 'bigint' ? `${v}n` : v),
    2,
  )
}

export function fromVectorJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_, v: unknown) => {
    if (typeof v !== 'string') return v
    if (v.startsWith('0x')) return fromHex(v.slice(2))
    if (/^\d+n$/.test(v)) return BigInt(v.slice(0, -1))
    return v
  }) as T
}
