import { fromHex } from '../../core/index.js'

/** Test-vector byte notation: plain hex, or `fill:XX` for 32 bytes of 0xXX. */
export function vectorBytes(value: string): Uint8Array {
  if (value.startsWith('fill:')) return new Uint8Array(32).fill(parseInt(value.slice(5), 16))
  return fromHex(value)
}

/**
 * The `code` of the `errorClass` error `run` throws, or 'ok' when it returns.
 * Any other throw fails the test: a decoder may succeed or refuse, never crash.
 */
export function errorCode(run: () => unknown, errorClass: abstract new (...args: never[]) => Error & { code: string }): string {
  try {
    run()
  } catch (e) {
    if (e instanceof errorClass) return e.code
    throw e
  }
  return 'ok'
}

/** `errorCode` for a run that settles later: the code of the `errorClass` error it rejects with, or 'ok'. */
export async function rejectionCode(run: () => Promise<unknown>, errorClass: abstract new (...args: never[]) => Error & { code: string }): Promise<string> {
  try {
    await run()
  } catch (e) {
    if (e instanceof errorClass) return e.code
    throw e
  }
  return 'ok'
}
