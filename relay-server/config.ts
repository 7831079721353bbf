/**
 * Relay settings: every field documented, a default, `createRelayConfig` /
 * `validateRelayConfig` that throw `RelayConfigError`, and parsing from
 * command-line flags and `TERRAIN_*` environment variables (flags win over
 * the environment, which wins over the defaults).
 */
import { isIP } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { checkWorldPhrase, defaultWorldPhrase, TerrainError } from '../core/index.js'

export interface RelayConfig {
  /** Directory for the relay's state: its libp2p key (`peer-key`) and the event log (`events/`). */
  dataDir: string
  /** IP address both listeners bind to (HTTP and libp2p WebSockets). */
  httpHost: string
  /** Port of the HTTP server (web app, `/health`, `/metrics`, `/config.json`); 0 picks a free port. */
  httpPort: number
  /** Port of the libp2p WebSocket listener on `httpHost`, which browsers and other relays dial; 0 picks a free port. */
  wsPort: number
  /** Multiaddrs of other relays to connect to at start and to redial whenever the connection drops. */
  bootstrap: string[]
  /** Phrase of the world whose event log this relay replicates (3–4 words; default rules). */
  worldPhrase: string
  /**
   * The world's epoch length in ms (descriptors, control-plane keys and probe
   * suites rotate with it); 0 keeps the default rule bundle's. Any other value
   * changes the rules, so it is another world: every peer must use the same.
   */
  epochMs: number
  /** Directory of the built web app (`vite build` output) served over HTTP. */
  staticDir: string
  /** Interval between delta-sync rounds with a random connected peer, in ms. */
  antiEntropyMs: number
  /** Extra multiaddrs to advertise (e.g. a public `/dns4/…/tcp/443/wss` address behind a proxy). */
  announce: string[]
  /** fsync every event-log write: survives power loss, not only a killed process, at a cost in write speed. */
  fsync: boolean
  /** Most circuit-relay reservations held at once (browsers reserve one to be reachable for WebRTC signalling). */
  maxReservations: number
  /**
   * Replicate the world's event log (gossip and delta sync). Off, the relay
   * only signals: browsers still find each other through it, and events
   * travel only over their direct connections.
   */
  replicate: boolean
  /**
   * Serve a model as a provider: the id of a built-in model (e.g.
   * `terrain-tiny`), run in this process; empty for none. Circuits that end
   * here are answered by it, and a signed descriptor is published each epoch.
   */
  provide: string
  /** Serve as a provider by forwarding to this OpenAI-compatible server (its base URL); empty for none. */
  forwardUrl: string
  /** The model name to ask the forwarded server for (and to announce). */
  forwardModel: string
  /** Serve the OpenAI-compatible gateway (`/v1/chat/completions` through onion circuits) on `gatewayPort`. */
  gateway: boolean
  /** Port of the gateway's HTTP server on `httpHost`; 0 picks a free port. */
  gatewayPort: number
}

export const defaultRelayConfig: Readonly<RelayConfig> = Object.freeze({
  dataDir: '.terrain/relay',
  httpHost: '127.0.0.1',
  httpPort: 4173,
  wsPort: 9090,
  bootstrap: [],
  worldPhrase: defaultWorldPhrase,
  epochMs: 0,
  staticDir: 'dist',
  antiEntropyMs: 5_000,
  announce: [],
  fsync: false,
  maxReservations: 128,
  replicate: true,
  provide: '',
  forwardUrl: '',
  forwardModel: '',
  gateway: false,
  gatewayPort: 8080,
})

export type RelayConfigErrorCode = 'invalid-setting' | 'unknown-option' | 'missing-value'

export class RelayConfigError extends TerrainError {
  declare readonly code: RelayConfigErrorCode
  constructor(
    code: RelayConfigErrorCode,
    /** The setting at fault, or the unknown flag or variable. */
    readonly field: string,
    detail: string,
  ) {
    super(code, `${field}: ${detail}`)
  }
}

type Kind = 'string' | 'port' | 'integer' | 'list' | 'boolean'

interface Option {
  field: keyof RelayConfig
  flag: string
  env: string
  kind: Kind
  help: string
}

/** One row per setting: its flag, variable and the short text `--help` prints. */
const OPTIONS: readonly Option[] = [
  { field: 'dataDir', flag: '--data-dir', env: 'TERRAIN_DATA_DIR', kind: 'string', help: 'state directory (peer key, event log)' },
  { field: 'httpHost', flag: '--http-host', env: 'TERRAIN_HTTP_HOST', kind: 'string', help: 'IP address the HTTP and WebSocket listeners bind to' },
  { field: 'httpPort', flag: '--http-port', env: 'TERRAIN_HTTP_PORT', kind: 'port', help: 'HTTP port: web app, /health, /metrics, /config.json (0: any free port)' },
  { field: 'wsPort', flag: '--ws-port', env: 'TERRAIN_WS_PORT', kind: 'port', help: 'libp2p WebSocket port (0: any free port)' },
  { field: 'bootstrap', flag: '--bootstrap', env: 'TERRAIN_BOOTSTRAP', kind: 'list', help: 'multiaddrs of other relays to keep connected (repeat or comma-separate)' },
  { field: 'worldPhrase', flag: '--world-phrase', env: 'TERRAIN_WORLD_PHRASE', kind: 'string', help: 'phrase of the world to replicate' },
  { field: 'epochMs', flag: '--epoch-ms', env: 'TERRAIN_EPOCH_MS', kind: 'integer', help: "the world's epoch length in ms (0: the default rules')" },
  { field: 'staticDir', flag: '--static-dir', env: 'TERRAIN_STATIC_DIR', kind: 'string', help: 'built web app to serve' },
  { field: 'antiEntropyMs', flag: '--anti-entropy-ms', env: 'TERRAIN_ANTI_ENTROPY_MS', kind: 'integer', help: 'ms between sync rounds with a random peer' },
  { field: 'announce', flag: '--announce', env: 'TERRAIN_ANNOUNCE', kind: 'list', help: 'extra multiaddrs to advertise (repeat or comma-separate)' },
  { field: 'fsync', flag: '--fsync', env: 'TERRAIN_FSYNC', kind: 'boolean', help: 'fsync every event-log write' },
  { field: 'maxReservations', flag: '--max-reservations', env: 'TERRAIN_MAX_RESERVATIONS', kind: 'integer', help: 'most circuit-relay reservations at once' },
  { field: 'replicate', flag: '--replicate', env: 'TERRAIN_REPLICATE', kind: 'boolean', help: 'replicate the event log (false: signalling only)' },
  { field: 'provide', flag: '--provide', env: 'TERRAIN_PROVIDE', kind: 'string', help: 'serve this built-in model as a provider (e.g. terrain-tiny)' },
  { field: 'forwardUrl', flag: '--forward-url', env: 'TERRAIN_FORWARD_URL', kind: 'string', help: 'serve as a provider by forwarding to this OpenAI-compatible base URL' },
  { field: 'forwardModel', flag: '--forward-model', env: 'TERRAIN_FORWARD_MODEL', kind: 'string', help: 'model name to request from the forwarded server' },
  { field: 'gateway', flag: '--gateway', env: 'TERRAIN_GATEWAY', kind: 'boolean', help: 'serve the OpenAI-compatible gateway (requests go through onion circuits)' },
  { field: 'gatewayPort', flag: '--gateway-port', env: 'TERRAIN_GATEWAY_PORT', kind: 'port', help: 'gateway HTTP port (0: any free port)' },
]

const fail = (field: string, detail: string): never => {
  throw new RelayConfigError('invalid-setting', field, detail)
}

function integerIn(c: RelayConfig, field: 'httpPort' | 'wsPort' | 'antiEntropyMs' | 'maxReservations' | 'gatewayPort' | 'epochMs', min: number, max: number): void {
  const v = c[field]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(field, `must be an integer in [${min}, ${max}], got ${String(v)}`)
}

function nonEmpty(c: RelayConfig, field: 'dataDir' | 'staticDir'): void {
  if (typeof c[field] !== 'string' || c[field] === '') fail(field, 'must be a non-empty path')
}

function multiaddrs(c: RelayConfig, field: 'bootstrap' | 'announce'): void {
  const list = c[field]
  if (!Array.isArray(list)) fail(field, 'must be a list of multiaddrs')
  for (const a of list) {
    try {
      multiaddr(a)
    } catch (e) {
      fail(field, `"${String(a)}" is not a multiaddr (${(e as Error).message})`)
    }
  }
}

/** Throws `RelayConfigError` naming the first setting that is wrong; returns the config. */
export function validateRelayConfig(c: RelayConfig): RelayConfig {
  for (const key of Object.keys(c)) {
    if (!(key in defaultRelayConfig)) throw new RelayConfigError('unknown-option', key, 'is not a relay setting')
  }
  nonEmpty(c, 'dataDir')
  if (typeof c.httpHost !== 'string' || isIP(c.httpHost) === 0) fail('httpHost', `must be an IPv4 or IPv6 address, got ${String(c.httpHost)}`)
  integerIn(c, 'httpPort', 0, 65_535)
  integerIn(c, 'wsPort', 0, 65_535)
  if (c.httpPort !== 0 && c.httpPort === c.wsPort) fail('wsPort', `must differ from httpPort (${c.httpPort})`)
  multiaddrs(c, 'bootstrap')
  try {
    checkWorldPhrase(c.worldPhrase)
  } catch (e) {
    fail('worldPhrase', (e as Error).message)
  }
  if (c.epochMs !== 0) integerIn(c, 'epochMs', 1_000, 2_592_000_000)
  nonEmpty(c, 'staticDir')
  integerIn(c, 'antiEntropyMs', 100, 3_600_000)
  multiaddrs(c, 'announce')
  if (typeof c.fsync !== 'boolean') fail('fsync', 'must be a boolean')
  if (typeof c.replicate !== 'boolean') fail('replicate', 'must be a boolean')
  integerIn(c, 'maxReservations', 1, 100_000)
  if (typeof c.provide !== 'string' || (c.provide !== '' && !/^[a-z0-9][a-z0-9._-]*$/.test(c.provide))) fail('provide', `must be a built-in model id, got ${String(c.provide)}`)
  if (typeof c.forwardUrl !== 'string') fail('forwardUrl', 'must be a URL')
  if (c.forwardUrl !== '') {
    if (c.provide !== '') fail('forwardUrl', 'a provider either runs a built-in model (--provide) or forwards (--forward-url), not both')
    let url: URL | undefined
    try {
      url = new URL(c.forwardUrl)
    } catch {
      fail('forwardUrl', `"${c.forwardUrl}" is not a URL`)
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') fail('forwardUrl', 'must be an http or https URL')
    if (c.forwardModel === '') fail('forwardModel', 'names the model to request when forwarding')
  }
  if (typeof c.forwardModel !== 'string') fail('forwardModel', 'must be a string')
  if (typeof c.gateway !== 'boolean') fail('gateway', 'must be a boolean')
  integerIn(c, 'gatewayPort', 0, 65_535)
  if (c.gateway && !c.replicate) fail('replicate', 'the gateway learns providers from the event log, so it must replicate')
  if ((c.provide !== '' || c.forwardUrl !== '') && !c.replicate) fail('replicate', 'a provider publishes its descriptor on the event log, so it must replicate')
  return c
}

/** The defaults with `overrides` applied, validated. */
export function createRelayConfig(overrides: Partial<RelayConfig> = {}): RelayConfig {
  return validateRelayConfig({ ...defaultRelayConfig, ...overrides })
}

function parseValue(option: Option, raw: string, source: string): RelayConfig[keyof RelayConfig] {
  switch (option.kind) {
    case 'string':
      return raw
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(raw)) return true
      if (/^(0|false|no|off)$/i.test(raw)) return false
      return fail(option.field, `${source} must be true or false, got "${raw}"`)
    case 'port':
    case 'integer':
      if (!/^\d+$/.test(raw)) return fail(option.field, `${source} must be a whole number, got "${raw}"`)
      return Number(raw)
  }
}

export type ParsedRelayArgs = { help: true } | { help: false; config: RelayConfig }

/**
 * Settings from `argv` (without node and script) and `env`. Flags take
 * `--flag value` or `--flag=value`; `--fsync` alone means true; list flags
 * may repeat. Unknown flags are errors, unknown `TERRAIN_*` variables are not
 * (other tools may share the prefix).
 */
export function parseRelayArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedRelayArgs {
  const fromEnv: Partial<Record<keyof RelayConfig, unknown>> = {}
  for (const option of OPTIONS) {
    const raw = env[option.env]
    if (raw !== undefined && raw !== '') fromEnv[option.field] = parseValue(option, raw, option.env)
  }
  const fromFlags: Partial<Record<keyof RelayConfig, unknown>> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') return { help: true }
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg : arg.slice(0, eq)
    const option = OPTIONS.find((o) => o.flag === name)
    if (!option) throw new RelayConfigError('unknown-option', arg, 'unknown flag (see --help)')
    let raw: string
    if (eq !== -1) raw = arg.slice(eq + 1)
    else if (option.kind === 'boolean' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'))) raw = 'true'
    else if (argv[i + 1] === undefined) throw new RelayConfigError('missing-value', name, 'needs a value')
    else raw = argv[++i]!
    const value = parseValue(option, raw, name)
    const previous = fromFlags[option.field]
    fromFlags[option.field] = option.kind === 'list' && Array.isArray(previous) ? [...previous, ...(value as string[])] : value
  }
  return { help: false, config: createRelayConfig({ ...fromEnv, ...fromFlags } as Partial<RelayConfig>) }
}

const shown = (v: unknown): string => (Array.isArray(v) ? (v.length ? v.join(',') : '(none)') : String(v))

/** `--help` text: every flag with its variable and default. */
export function relayConfigHelp(): string {
  const rows = OPTIONS.map((o) => [`${o.flag}${o.kind === 'boolean' ? '' : ' <value>'}`, o.env, shown(defaultRelayConfig[o.field]), o.help])
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length))
  const lines = rows.map((r) => `  ${r[0]!.padEnd(width(0))}  ${r[1]!.padEnd(width(1))}  default ${r[2]!.padEnd(width(2))}  ${r[3]}`)
  return [
    'Usage: npm run relay -- [flags]   (or: tsx relay-server/main.ts [flags])',
    '',
    'Terrain relay: libp2p WebSockets + circuit relay, a durable event-log replica, the web app over HTTP.',
    'Each flag can also be set by its environment variable; flags win over variables, variables over defaults.',
    '',
    ...lines,
    `  ${'--help'.padEnd(width(0))}  print this text`,
  ].join('\n')
}
