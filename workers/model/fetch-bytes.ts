/** Downloads a body as bytes, reporting progress as it streams in (browser and Node: global fetch). */
import { concatBytes } from '../../core/bytes.js'
import { ModelError } from './errors.js'

export async function fetchBytes(url: string, onProgress?: (loadedBytes: number, totalBytes: number | undefined) => void): Promise<Uint8Array> {
  let response: Response
  try {
    response = await fetch(url)
  } catch (e) {
    throw new ModelError('fetch-failed', `could not fetch ${url}: ${(e as Error).message}`)
  }
  if (!response.ok || !response.body) throw new ModelError('fetch-failed', `fetching ${url} answered HTTP ${response.status}`)
  const length = Number(response.headers.get('content-length'))
  const total = Number.isSafeInteger(length) && length > 0 ? length : undefined
  const chunks: Uint8Array[] = []
  let loaded = 0
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    loaded += value.length
    onProgress?.(loaded, total)
  }
  return concatBytes(...chunks)
}
