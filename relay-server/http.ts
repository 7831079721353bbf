/**
 * The relay's one HTTP server: `/health`, `/metrics`, `/config.json` and the
 * built web app. Every response carries the cross-origin isolation headers
 * (the page needs `crossOriginIsolated` for multi-threaded WASM inference).
 */
import { createReadStream } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolveStaticFile } from './static-files.js'

const COMMON_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'X-Content-Type-Options': 'nosniff',
}

/** What the relay exposes besides files; `main.ts` wires these to the node, mesh and store. */
export interface RelayEndpoints {
  health(): Promise<unknown>
  metrics(): Promise<{ contentType: string; body: string }>
  browserConfig(): unknown
}

/** Listen on `host`:`port` (0: any free port); resolves with the port bound, rejects on a listen error. */
export function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port))
  })
}

/** Stop accepting and drop open connections (keep-alive clients would hold a plain close open); resolves once closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

export function createHttpServer(staticDir: string, endpoints: RelayEndpoints): Server {
  return createServer((req, res) => {
    for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value)
    route(req, res, staticDir, endpoints).catch((e: unknown) => {
      if (!res.headersSent) text(res, 500, `internal error: ${(e as Error).message}`)
      else res.destroy()
    })
  })
}

async function route(req: IncomingMessage, res: ServerResponse, staticDir: string, endpoints: RelayEndpoints): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD')
    return text(res, 405, 'method not allowed')
  }
  const path = new URL(req.url ?? '/', 'http://relay').pathname
  if (path === '/health') return json(res, await endpoints.health())
  if (path === '/config.json') return json(res, endpoints.browserConfig())
  if (path === '/metrics') {
    const { contentType, body } = await endpoints.metrics()
    res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' })
    return void res.end(req.method === 'HEAD' ? undefined : body)
  }
  const file = await resolveStaticFile(staticDir, path)
  if (!file) return text(res, 404, 'not found')
  res.writeHead(200, {
    'Content-Type': file.contentType,
    'Content-Length': file.size,
    // Vite puts a content hash in every asset name, so those never change; the page itself must be revalidated.
    'Cache-Control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  })
  if (req.method === 'HEAD') return void res.end()
  createReadStream(file.path)
    .on('error', () => res.destroy())
    .pipe(res)
}

function json(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}

function text(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' })
  res.end(res.req.method === 'HEAD' ? undefined : message)
}
