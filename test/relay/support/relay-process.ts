/**
 * Runs the real relay (`relay-server/main.ts`) as a child process for tests:
 * free ports, a temporary data dir, readiness from its startup line, HTTP
 * helpers, and cleanup of every process (by PID) and directory it made.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RelayHealth } from '../../../relay-server/status.js'

const REPO = new URL('../../../', import.meta.url).pathname
const READY = 'terrain relay listening on '

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

export interface RelayOptions {
  dataDir?: string
  httpPort?: number
  wsPort?: number
  bootstrap?: string[]
  antiEntropyMs?: number
  replicate?: boolean
  /** Further flags, e.g. `['--provide', 'terrain-tiny']` or `['--gateway', '--gateway-port', '0']`. */
  extraArgs?: string[]
}

export interface RelayProcess {
  child: ChildProcess
  dataDir: string
  url: string
  peerId: string
  /** This relay's WebSocket multiaddr, with `/p2p/<id>`. */
  multiaddr: string
  /** The gateway's base URL (`…/v1`), when started with `--gateway`. */
  gatewayUrl: string | undefined
  health(): Promise<RelayHealth>
  metrics(): Promise<string>
  /** Send `signal` and wait for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  output(): string
}

const dirs: string[] = []
const children = new Set<ChildProcess>()

/** Start `node --import tsx relay-server/main.ts` (node itself, so the PID is the relay's own) and wait until it listens. */
export async function startRelay(options: RelayOptions = {}): Promise<RelayProcess> {
  const dataDir = options.dataDir ?? tempDir('terrain-relay-')
  const args = [
    '--data-dir', dataDir,
    '--http-port', String(options.httpPort ?? (await freePort())),
    '--ws-port', String(options.wsPort ?? (await freePort())),
    '--anti-entropy-ms', String(options.antiEntropyMs ?? 500),
    ...(options.bootstrap ?? []).flatMap((a) => ['--bootstrap', a]),
    ...(options.replicate === false ? ['--replicate', 'false'] : []),
    ...(options.extraArgs ?? []),
  ]
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay-server/main.ts', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let output = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
    }),
  )
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start in time:\n${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const ready = output.split('\n').find((l) => l.startsWith(READY))
      if (ready) {
        clearTimeout(timer)
        resolve(ready)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`relay exited (${code ?? signal}) before listening:\n${output}`))
    })
  })
  const words = line.slice(READY.length).split(' ')
  const [url, , peerId, , multiaddr] = words
  const gatewayAt = words.indexOf('gateway')
  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`)
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`)
    return response
  }
  return {
    child,
    dataDir,
    url: url!,
    peerId: peerId!,
    multiaddr: multiaddr!,
    gatewayUrl: gatewayAt === -1 ? undefined : words[gatewayAt + 1],
    health: async () => (await (await get('/health')).json()) as RelayHealth,
    metrics: async () => (await get('/metrics')).text(),
    kill: (signal) => {
      child.kill(signal)
      return exited
    },
    output: () => output,
  }
}

/** Kill every relay still running (SIGKILL, by PID) and remove the temporary directories. */
export async function cleanupRelays(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve())
          try {
            process.kill(child.pid!, 'SIGKILL')
          } catch {
            resolve() // already gone
          }
        }),
    ),
  )
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Poll `probe` until it returns a value other than undefined, or fail after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The value of one Prometheus sample, e.g. `terrain_rejections_total{source="stream",reason="unknown-version"}`; 0 when absent. */
export function sample(metricsText: string, series: string): number {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${series} `))
  return line ? Number(line.slice(series.length + 1)) : 0
}
