/** The relay as an operator runs it: endpoints, headers, a stable identity, the command line, clean shutdown. */
import { spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { defaultWorldPhrase } from '../../core/index.js'
import { cleanupRelays, sample, startRelay } from './support/relay-process.js'

afterAll(cleanupRelays)

const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }

it('answers /health, /metrics and /config.json, all cross-origin isolated', async () => {
  const relay = await startRelay()
  const health = await relay.health()
  expect(health).toMatchObject({ status: 'ok', peerId: relay.peerId, events: 0, peers: 0 })
  expect(health.world).toBe('95c190c45ae15f40ad71768aa3ca191270c780a23c7a0f6db063217d79b772ed')
  expect(health.multiaddrs).toEqual([relay.multiaddr])
  expect(relay.multiaddr).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/ws/p2p/${relay.peerId}$`))

  const metrics = await fetch(`${relay.url}/metrics`)
  expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  const text = await metrics.text()
  for (const series of ['terrain_connected_peers', 'terrain_events_stored', 'terrain_sync_rounds_total', 'terrain_frames_total{direction="in"}']) {
    expect(text).toContain(`\n${series} `)
  }
  expect(sample(text, 'terrain_events_stored')).toBe(0)
  expect(text).toContain('process_cpu_user_seconds_total')

  const config = await fetch(`${relay.url}/config.json`)
  expect(await config.json()).toEqual({ relays: [relay.multiaddr], world: defaultWorldPhrase })
  for (const response of [metrics, config, await fetch(`${relay.url}/health`), await fetch(`${relay.url}/nope`)]) {
    for (const [name, value] of Object.entries(ISOLATION)) expect(response.headers.get(name)).toBe(value)
  }
})

it('keeps its peer id across restarts, in a key file only its owner can read', async () => {
  const first = await startRelay()
  expect((await first.kill('SIGTERM')).code).toBe(0)
  expect(statSync(join(first.dataDir, 'peer-key')).mode & 0o777).toBe(0o600)
  const second = await startRelay({ dataDir: first.dataDir })
  expect(second.peerId).toBe(first.peerId)
  expect((await second.health()).peerId).toBe(first.peerId)
  const other = await startRelay()
  expect(other.peerId).not.toBe(first.peerId)
})

it('shuts down cleanly on SIGINT and starts again on the same data dir', async () => {
  const relay = await startRelay()
  const exit = await relay.kill('SIGINT')
  expect(exit).toEqual({ code: 0, signal: null })
  expect(relay.output()).toContain('SIGINT, shutting down')
  const again = await startRelay({ dataDir: relay.dataDir })
  expect((await again.health()).status).toBe('ok')
})

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'relay-server/main.ts', ...args], {
    cwd: new URL('../../', import.meta.url).pathname,
    encoding: 'utf8',
    timeout: 30_000,
  })

it('prints every flag with its variable and default for --help', () => {
  const help = cli('--help')
  expect(help.status).toBe(0)
  const rows: [string, string, string][] = [
    ['--data-dir', 'TERRAIN_DATA_DIR', '.terrain/relay'],
    ['--http-host', 'TERRAIN_HTTP_HOST', '127.0.0.1'],
    ['--http-port', 'TERRAIN_HTTP_PORT', '4173'],
    ['--ws-port', 'TERRAIN_WS_PORT', '9090'],
    ['--bootstrap', 'TERRAIN_BOOTSTRAP', '(none)'],
    ['--world-phrase', 'TERRAIN_WORLD_PHRASE', defaultWorldPhrase],
    ['--static-dir', 'TERRAIN_STATIC_DIR', 'dist'],
    ['--anti-entropy-ms', 'TERRAIN_ANTI_ENTROPY_MS', '5000'],
    ['--announce', 'TERRAIN_ANNOUNCE', '(none)'],
    ['--fsync', 'TERRAIN_FSYNC', 'false'],
    ['--max-reservations', 'TERRAIN_MAX_RESERVATIONS', '128'],
  ]
  for (const [flag, env, value] of rows) {
    expect(help.stdout).toMatch(new RegExp(`${flag}.*${env}.*default ${value.replace(/[.()]/g, '\\$&')}`))
  }
})

it('refuses a bad setting with a clear message and exit code 2', () => {
  const bad = cli('--http-port', '70000')
  expect(bad.status).toBe(2)
  expect(bad.stderr).toContain('httpPort: must be an integer in [0, 65535], got 70000')
  const unknown = cli('--colour', 'blue')
  expect(unknown.status).toBe(2)
  expect(unknown.stderr).toContain('--colour: unknown flag')
})
