/** The relay's HTTP server with stand-in endpoints: static files, content types, isolation headers, no way out of the root. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createHttpServer } from '../../relay-server/http.js'

let base: string
let server: Server
let port: number

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'terrain-http-'))
  const root = join(base, 'dist')
  mkdirSync(join(root, 'assets'), { recursive: true })
  mkdirSync(join(root, 'docs'))
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>')
  writeFileSync(join(root, 'docs', 'index.html'), 'docs')
  writeFileSync(join(root, 'assets', 'app-1a2b.js'), 'export {}')
  writeFileSync(join(root, 'assets', 'style.css'), 'body{}')
  writeFileSync(join(root, 'assets', 'model.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d]))
  writeFileSync(join(root, 'favicon.svg'), '<svg/>')
  writeFileSync(join(root, 'data.json'), '{}')
  writeFileSync(join(root, 'weights.bin'), 'x')
  writeFileSync(join(base, 'secret.txt'), 'secret')
  symlinkSync(join(base, 'secret.txt'), join(root, 'link.txt'))
  server = createHttpServer(root, {
    health: async () => ({ status: 'ok' }),
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'terrain_up 1\n' }),
    browserConfig: () => ({ relays: ['/ip4/127.0.0.1/tcp/1/ws'], world: 'quiet harbor lantern' }),
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(base, { recursive: true, force: true })
})

/** A request with the path sent exactly as given (fetch would normalise `..`). */
function get(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject).end()
  })
}

it.each([
  ['/', 'text/html; charset=utf-8', '<!doctype html><title>app</title>'],
  ['/docs/', 'text/html; charset=utf-8', 'docs'],
  ['/assets/app-1a2b.js', 'text/javascript; charset=utf-8', 'export {}'],
  ['/assets/style.css', 'text/css; charset=utf-8', 'body{}'],
  ['/assets/model.wasm', 'application/wasm', undefined],
  ['/favicon.svg', 'image/svg+xml', '<svg/>'],
  ['/data.json', 'application/json; charset=utf-8', '{}'],
  ['/weights.bin', 'application/octet-stream', 'x'],
  ['/%66avicon.svg', 'image/svg+xml', '<svg/>'],
])('serves %s as %s', async (path, type, body) => {
  const res = await get(path)
  expect(res.status).toBe(200)
  expect(res.headers['content-type']).toBe(type)
  if (body !== undefined) expect(res.body).toBe(body)
  expect(res.headers['cross-origin-opener-policy']).toBe('same-origin')
  expect(res.headers['cross-origin-embedder-policy']).toBe('require-corp')
})

it('lets hashed assets be cached for good and makes the page revalidate', async () => {
  expect((await get('/assets/app-1a2b.js')).headers['cache-control']).toContain('immutable')
  expect((await get('/')).headers['cache-control']).toBe('no-cache')
})

it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/%2e%2e%5c..%5csecret.txt', '/link.txt', '/%00', '/%E0%A4%A', '/missing.js'])(
  'answers 404 for %s, with the isolation headers',
  async (path) => {
    const res = await get(path)
    expect(res.status).toBe(404)
    expect(res.body).not.toContain('secret')
    expect(res.headers['cross-origin-embedder-policy']).toBe('require-corp')
  },
)

it('serves the endpoints as JSON and Prometheus text', async () => {
  const health = await get('/health')
  expect(health.headers['content-type']).toBe('application/json; charset=utf-8')
  expect(JSON.parse(health.body)).toEqual({ status: 'ok' })
  expect(JSON.parse((await get('/config.json')).body)).toEqual({ relays: ['/ip4/127.0.0.1/tcp/1/ws'], world: 'quiet harbor lantern' })
  const metrics = await get('/metrics')
  expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
  expect(metrics.body).toBe('terrain_up 1\n')
})

it('answers HEAD without a body and refuses other methods', async () => {
  const head = await get('/assets/app-1a2b.js', 'HEAD')
  expect(head.status).toBe(200)
  expect(head.headers['content-length']).toBe('9')
  expect(head.body).toBe('')
  const post = await get('/health', 'POST')
  expect(post.status).toBe(405)
  expect(post.headers.allow).toBe('GET, HEAD')
  expect(post.headers['cross-origin-opener-policy']).toBe('same-origin')
})
