import { describe, expect, it } from 'vitest'
import { defaultWorldPhrase } from '../../core/index.js'
import { createRelayConfig, defaultRelayConfig, parseRelayArgs, RelayConfigError, relayConfigHelp, validateRelayConfig } from '../../relay-server/config.js'

const parse = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseRelayArgs(argv, env)
  if (parsed.help) throw new Error('unexpected --help')
  return parsed.config
}

const fault = (run: () => unknown): RelayConfigError => {
  try {
    run()
  } catch (e) {
    if (e instanceof RelayConfigError) return e
    throw e
  }
  throw new Error('expected a RelayConfigError')
}

describe('relay config', () => {
  it('has the documented defaults', () => {
    expect(createRelayConfig()).toEqual({
      dataDir: '.terrain/relay',
      httpHost: '127.0.0.1',
      httpPort: 4173,
      wsPort: 9090,
      bootstrap: [],
      worldPhrase: defaultWorldPhrase,
      epochMs: 0,
      staticDir: 'dist',
      antiEntropyMs: 5000,
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
    expect(Object.isFrozen(defaultRelayConfig)).toBe(true)
  })

  it('validates the provider and gateway settings', () => {
    expect(parse(['--provide', 'terrain-tiny']).provide).toBe('terrain-tiny')
    expect(parse(['--gateway', '--gateway-port', '0'])).toMatchObject({ gateway: true, gatewayPort: 0 })
    expect(() => parse(['--provide', '../etc/passwd'])).toThrow(expect.objectContaining({ field: 'provide' }))
    expect(() => parse(['--provide', 'terrain-tiny', '--forward-url', 'http://127.0.0.1:8000', '--forward-model', 'm'])).toThrow(expect.objectContaining({ field: 'forwardUrl' }))
    expect(() => parse(['--forward-url', 'ftp://x', '--forward-model', 'm'])).toThrow(expect.objectContaining({ field: 'forwardUrl' }))
    expect(() => parse(['--forward-url', 'http://127.0.0.1:8000'])).toThrow(expect.objectContaining({ field: 'forwardModel' }))
    expect(() => parse(['--provide', 'terrain-tiny', '--replicate', 'false'])).toThrow(expect.objectContaining({ field: 'replicate' }))
  })

  it('takes a world epoch length of at least a second, 0 meaning the default rules', () => {
    expect(parse(['--epoch-ms', '15000']).epochMs).toBe(15_000)
    expect(parse([]).epochMs).toBe(0)
    expect(() => parse(['--epoch-ms', '999'])).toThrow(expect.objectContaining({ field: 'epochMs' }))
    expect(() => parse(['--epoch-ms', '-5'])).toThrow(expect.objectContaining({ field: 'epochMs' }))
  })

  it('takes flags over environment variables over defaults', () => {
    const env = { TERRAIN_HTTP_PORT: '8000', TERRAIN_WS_PORT: '8001', TERRAIN_FSYNC: 'true', TERRAIN_BOOTSTRAP: '/ip4/10.0.0.1/tcp/1/ws, /ip4/10.0.0.2/tcp/2/ws' }
    const config = parse(['--http-port', '9000', '--data-dir=/var/lib/terrain'], env)
    expect(config.httpPort).toBe(9000)
    expect(config.wsPort).toBe(8001)
    expect(config.fsync).toBe(true)
    expect(config.bootstrap).toEqual(['/ip4/10.0.0.1/tcp/1/ws', '/ip4/10.0.0.2/tcp/2/ws'])
    expect(config.dataDir).toBe('/var/lib/terrain')
    expect(config.staticDir).toBe('dist')
  })

  it('collects repeated list flags, and reads a bare boolean flag as true', () => {
    const config = parse(['--bootstrap', '/ip4/10.0.0.1/tcp/1/ws', '--fsync', '--bootstrap', '/ip4/10.0.0.2/tcp/2/ws,/ip4/10.0.0.3/tcp/3/ws'])
    expect(config.bootstrap).toHaveLength(3)
    expect(config.fsync).toBe(true)
    expect(parse(['--fsync', 'false']).fsync).toBe(false)
  })

  it('recognises --help anywhere', () => {
    expect(parseRelayArgs(['--http-port', '1', '--help'], {})).toEqual({ help: true })
    const help = relayConfigHelp()
    for (const key of Object.keys(defaultRelayConfig)) {
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
      expect(help).toContain(flag)
    }
  })

  it.each([
    [['--http-port', '65536'], 'httpPort'],
    [['--ws-port', '-1'], 'wsPort'],
    [['--http-port', '4000', '--ws-port', '4000'], 'wsPort'],
    [['--http-host', 'localhost'], 'httpHost'],
    [['--bootstrap', 'not-a-multiaddr'], 'bootstrap'],
    [['--announce', '/ip4/999.1.1.1/tcp/1'], 'announce'],
    [['--world-phrase', 'two words'], 'worldPhrase'],
    [['--anti-entropy-ms', '5'], 'antiEntropyMs'],
    [['--anti-entropy-ms', '1.5'], 'antiEntropyMs'],
    [['--fsync', 'maybe'], 'fsync'],
    [['--data-dir', ''], 'dataDir'],
    [['--max-reservations', '0'], 'maxReservations'],
  ])('refuses %j, naming %s', (argv, field) => {
    const e = fault(() => parse(argv))
    expect(e.code).toBe('invalid-setting')
    expect(e.field).toBe(field)
  })

  it('refuses bad environment values, unknown flags and missing values', () => {
    expect(fault(() => parse([], { TERRAIN_HTTP_PORT: 'eighty' })).field).toBe('httpPort')
    expect(fault(() => parse(['--colour', 'blue']))).toMatchObject({ code: 'unknown-option', field: '--colour' })
    expect(fault(() => parse(['--http-port']))).toMatchObject({ code: 'missing-value', field: '--http-port' })
    expect(fault(() => validateRelayConfig({ ...defaultRelayConfig, colour: 'blue' } as never))).toMatchObject({ code: 'unknown-option', field: 'colour' })
  })

  it('accepts port 0 (any free port) and IPv6 hosts', () => {
    expect(createRelayConfig({ httpPort: 0, wsPort: 0, httpHost: '::1' })).toMatchObject({ httpPort: 0, wsPort: 0, httpHost: '::1' })
  })
})
