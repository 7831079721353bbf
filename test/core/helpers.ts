import { fromHex } from '../../core/index.js'

/** Test-vector byte notation: plain hex, or `fill:XX` for 32 bytes of 0xXX. */
export function vectorBytes(value: string): Uint8Array {
  if (value.startsWith('fill:')) return new Uint8Array(32).fill(parseInt(value.slice(5), 16))
  return fromHex(value)
}
