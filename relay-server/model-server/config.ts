/**
 * Model server settings: documented fields, a default, `createModelServerConfig`
 * / `validateModelServerConfig` throwing `ModelServerConfigError`, and
 * parsing from command-line flags.
 */
import { isIP } from 'node:net'
import { TerrainError } from '../../core/index.js'

export interface ModelServerConfig {
  /** IP address the HTTP server binds to. */
  host: string
  /** HTTP port; 0 picks a free one (the ready line says which). */
  port: number
  /** Id of the built-in model to serve (public/models/manifest.json). */
  model: string
  /** Ceiling on a request's `max_tokens` (the model's context is a ceiling too). */
  maxTokens: number
}

export const defaultModelServerConfig: Readonly<ModelServerConfig> = Object.freeze({
  host: '127.0.0.1',
  port: 8000,
  model: 'terrain-tiny',
  maxTokens: 256,
})

export type ModelServerConfigErrorCode = 'invalid-setting' | 'unknown-option' | 'missing-value'

export class ModelServerConfigError extends TerrainError {
  declare readonly code: ModelServerConfigErrorCode
  constructor(
    code: ModelServerConfigErrorCode,
    readonly field: string,
    detail: string,
  ) {
    super(code, `${field}: ${detail}`)
  }
}

const FLAGS: Readonly<Record<string, keyof ModelServerConfig>> = { '--host': 'host', '--port': 'port', '--model': 'model', '--max-tokens': 'maxTokens' }

/** Throws `ModelServerConfigError` naming the first wrong setting; returns the config. */
export function validateModelServerConfig(c: ModelServerConfig): ModelServerConfig {
  const fail = (field: string, detail: string) => new ModelServerConfigError('invalid-setting', field, detail)
  for (const key of Object.keys(c)) {
    if (!(key in defaultModelServerConfig)) throw new ModelServerConfigError('unknown-option', key, 'is not a model server setting')
  }
  if (typeof c.host !== 'string' || isIP(c.host) === 0) throw fail('host', `must be an IPv4 or IPv6 address, got ${String(c.host)}`)
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65_535) throw fail('port', `must be an integer in [0, 65535], got ${String(c.port)}`)
  if (typeof c.model !== 'string' || !/^[\w.-]+$/.test(c.model)) throw fail('model', `must be a model id, got ${String(c.model)}`)
  if (!Number.isInteger(c.maxTokens) || c.maxTokens < 1 || c.maxTokens > 65_536) throw fail('maxTokens', `must be an integer in [1, 65536], got ${String(c.maxTokens)}`)
  return c
}

export function createModelServerConfig(overrides: Partial<ModelServerConfig> = {}): ModelServerConfig {
  return validateModelServerConfig({ ...defaultModelServerConfig, ...overrides })
}

export type ParsedModelServerArgs = { help: true } | { help: false; config: ModelServerConfig }

/** Settings from `argv` (without node and script): `--flag value` or `--flag=value`. */
export function parseModelServerArgs(argv: readonly string[]): ParsedModelServerArgs {
  const overrides: Record<string, string | number> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') return { help: true }
    const eq = arg.indexOf('=')
    const flag = eq === -1 ? arg : arg.slice(0, eq)
    const field = FLAGS[flag]
    if (!field) throw new ModelServerConfigError('unknown-option', arg, 'unknown flag (see --help)')
    const raw = eq !== -1 ? arg.slice(eq + 1) : argv[++i]
    if (raw === undefined) throw new ModelServerConfigError('missing-value', flag, 'needs a value')
    if (field === 'port' || field === 'maxTokens') {
      if (!/^\d+$/.test(raw)) throw new ModelServerConfigError('invalid-setting', field, `${flag} must be a whole number, got "${raw}"`)
      overrides[field] = Number(raw)
    } else {
      overrides[field] = raw
    }
  }
  return { help: false, config: createModelServerConfig(overrides as Partial<ModelServerConfig>) }
}

export function modelServerHelp(): string {
  const d = defaultModelServerConfig
  return [
    'Usage: npm run model-server -- [flags]   (or: node --import tsx relay-server/model-server/main.ts [flags])',
    '',
    'Serves a built-in model over an OpenAI-compatible API: GET /v1/models, POST /v1/chat/completions (streaming or not).',
    '',
    `  --host <ip>          address to bind (default ${d.host})`,
    `  --port <n>           HTTP port, 0 for any free port (default ${d.port})`,
    `  --model <id>         built-in model to serve (default ${d.model})`,
    `  --max-tokens <n>     ceiling on max_tokens per request (default ${d.maxTokens})`,
    '  --help               print this text',
  ].join('\n')
}
