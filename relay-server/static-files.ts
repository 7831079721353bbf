/**
 * Maps a request path to a file of the built web app: percent-decoding,
 * `/` and directories to their `index.html`, a content type per extension,
 * and nothing outside the root — neither by `..` nor by a symbolic link.
 */
import { realpath, stat } from 'node:fs/promises'
import { extname, join, sep } from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
}

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

export interface StaticFile {
  path: string
  size: number
  contentType: string
}

/** The file `urlPath` names under `root`, or undefined (missing, a directory without index, or outside the root). */
export async function resolveStaticFile(root: string, urlPath: string): Promise<StaticFile | undefined> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return undefined // malformed percent-encoding
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.includes('..')) return undefined
  let realRoot: string
  try {
    realRoot = await realpath(root)
  } catch {
    return undefined // no build yet
  }
  let path = join(realRoot, ...parts)
  try {
    if ((await stat(path)).isDirectory()) path = join(path, 'index.html')
    const real = await realpath(path)
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return undefined
    const info = await stat(real)
    return info.isFile() ? { path: real, size: info.size, contentType: contentTypeOf(real) } : undefined
  } catch {
    return undefined
  }
}
