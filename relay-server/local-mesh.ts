/**
 * `npm start`: a complete local mesh in one command, with embedded
 * defaults: two relays (a private circuit needs two relay hops before the
 * provider, reached through different relays) and a Node provider serving
 * the built-in model. Each is the ordinary relay program in its own
 * process; this prints the URL to open and stops them all on Ctrl-C.
 */
import { randomBytes } from 'node:crypto'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))
const KEY_FILE = '.terrain/control-plane.key'

/** The local world's control-plane key, kept across restarts (pages remember the one they were given). */
function controlPlaneKey(): string {
  if (existsSync(KEY_FILE)) return readFileSync(KEY_FILE, 'utf8').trim()
  const key = randomBytes(32).toString('hex')
  mkdirSync(dirname(KEY_FILE), { recursive: true })
  writeFileSync(KEY_FILE, `${key}\n`, { mode: 0o600 })
  return key
}
const READY = 'terrain relay listening on '

interface Role {
  name: string
  args: string[]
}

const HOST = process.env.TERRAIN_HTTP_HOST ?? '127.0.0.1'
const ws = (port: number) => `/ip4/${HOST}/tcp/${port}/ws`
const model = process.env.TERRAIN_PROVIDE ?? 'terrain-tiny'

const roles: Role[] = [
  { name: 'relay-a', args: ['--data-dir', '.terrain/relay-a', '--http-port', '4173', '--ws-port', '9090', '--bootstrap', ws(9091)] },
  { name: 'relay-b', args: ['--data-dir', '.terrain/relay-b', '--http-port', '4174', '--ws-port', '9091', '--bootstrap', ws(9090)] },
  { name: 'provider', args: ['--data-dir', '.terrain/provider', '--http-port', '4175', '--ws-port', '9092', '--bootstrap', ws(9090), '--bootstrap', ws(9091), '--provide', model] },
]

const children = new Map<string, ChildProcess>()
let stopping = false

function stopAll(code: number): void {
  if (stopping) return
  stopping = true
  for (const child of children.values()) if (child.exitCode === null) child.kill('SIGTERM')
  setTimeout(() => process.exit(code), 3_000).unref()
  Promise.all([...children.values()].map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined))).then(() => process.exit(code))
}

function start(role: Role): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...role.args, ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] })
    children.set(role.name, child)
    let buffered = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) console.log(`[${role.name}] ${line}`)
      buffered += chunk.toString()
      const at = buffered.indexOf(READY)
      if (at !== -1) resolve(buffered.slice(at + READY.length).split(' ')[0]!)
    })
    child.once('exit', (code) => {
      reject(new Error(`${role.name} exited with code ${code}`))
      if (!stopping) {
        console.error(`terrain: ${role.name} stopped (code ${code}); stopping the local mesh`)
        stopAll(1)
      }
    })
  })
}

process.on('SIGINT', () => stopAll(0))
process.on('SIGTERM', () => stopAll(0))

try {
  const [url] = await Promise.all(roles.map(start))
  console.log(`\nTerrain is running: open ${url} — Chat sends a private prompt to the built-in model; a second tab can click Provide.`)
  // The control-plane key of this local world: given to probers and routers (Terrain tab), never to providers.
  console.log(`To probe and to route by belief, paste this control-plane key in the Terrain tab: ${controlPlaneKey()}\n`)
} catch (e) {
  console.error(`terrain: the local mesh did not start: ${e instanceof Error ? e.message : String(e)}`)
  stopAll(1)
}
