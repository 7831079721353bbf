/**
 * Relay-hop cell throughput: a hop passing on forward cells that are not
 * for it (AEAD recognition fails, its stream layer comes off, the header is
 * rewritten, the cell goes out) through the real `CircuitHop` code path,
 * with only the transport left out, beside raw ChaCha20-Poly1305 sealing of
 * cells of the same size measured in the same run.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import {
  CELL_HEADER_BYTES,
  CircuitClient,
  CircuitHop,
  ClientOnion,
  ManualScheduler,
  MemoryLink,
  cellNonce,
  createCircuitSettings,
  createSigner,
  getEd25519,
  relayPlaintextBytes,
  writeCellHeader,
  type CellChannel,
  type CircuitKeys,
} from '../core/index.js'
import { measureRates } from './measure.js'

export interface CircuitFigure {
  name: string
  cellsPerSecond: number
  /** Share of the raw seal rate. */
  ratio?: number
}

export interface CircuitSuiteResult {
  runtime: string
  cellBytes: number
  figures: CircuitFigure[]
}

/** Hop A relaying for a client to hop B; A's link to B drops every cell once the circuit is built. */
async function relayingHop(cellBytes: number) {
  const ed = await getEd25519()
  const settings = createCircuitSettings({ cellBytes })
  const scheduler = new ManualScheduler()
  const toB = new MemoryLink('A', 'B')
  const hop = (seed: number, dial: () => Promise<CellChannel>) =>
    createSigner(new Uint8Array(32).fill(seed), ed).then((identity) => new CircuitHop({ settings, identity, scheduler, dialer: { dial } }))
  const b = await hop(2, () => Promise.reject(new Error('B extends nowhere')))
  const a = await hop(1, async () => toB.a)
  b.attach(toB.b)
  const fromClient = new MemoryLink('client', 'A')
  const inbound = a.attach(fromClient.b)
  const client = new CircuitClient({ settings, scheduler, ed25519: ed })
  const circuit = await client.build(client.attach(fromClient.a), [
    { publicKey: (await createSigner(new Uint8Array(32).fill(1), ed)).publicKey, contactHint: 'A' },
    { publicKey: (await createSigner(new Uint8Array(32).fill(2), ed)).publicKey, contactHint: 'B' },
  ])
  toB.blackhole()
  // A has seen the one EXTEND of the build: the next forward cell it expects is seq 1.
  let seq = 1
  const cell = new Uint8Array(cellBytes).map((_, i) => (i * 167 + 13) & 0xff)
  return () => {
    writeCellHeader(cell, circuit.circuitId, 'relay', seq++)
    inbound.receive(cell)
  }
}

const fixedKeys = (i: number): CircuitKeys => {
  const key = (j: number) => new Uint8Array(32).fill(i * 4 + j + 1)
  return { forwardStream: key(0), forwardAead: key(1), backwardStream: key(2), backwardAead: key(3) }
}

export async function runCircuitSuite(runtime: string, rounds = 5, minMs = 200, cellBytes = 1024): Promise<CircuitSuiteResult> {
  const plaintext = new Uint8Array(relayPlaintextBytes(cellBytes)).fill(0x61)
  const key = new Uint8Array(32).fill(0x42)
  const nonce = cellNonce('forward', 1)
  const relayCell = await relayingHop(cellBytes)
  const onion = new ClientOnion()
  for (let i = 0; i < 3; i++) onion.addHop(fixedKeys(i))
  const body = new Uint8Array(cellBytes - CELL_HEADER_BYTES)

  const rates = await measureRates(
    [
      { name: 'raw ChaCha20-Poly1305 seal', run: () => chacha20poly1305(key, nonce).encrypt(plaintext) },
      { name: 'relay hop: pass on a forward cell', run: relayCell },
      { name: 'client: seal for hop 3 of 3 (+2 layers)', run: () => onion.wrap(3, plaintext, body) },
    ],
    rounds,
    minMs,
  )
  const raw = rates[0]!.opsPerSecond
  return {
    runtime,
    cellBytes,
    figures: rates.map((r, i) => ({ name: r.name, cellsPerSecond: r.opsPerSecond, ...(i > 0 ? { ratio: r.opsPerSecond / raw } : {}) })),
  }
}

/** Plain-text table of the figures, with the relay hop's verdict against the 80% goal. */
export function formatCircuitSuite(result: CircuitSuiteResult, goal = 0.8): string {
  const lines = [`${result.runtime} — ${result.cellBytes}-byte cells`]
  for (const f of result.figures) {
    const rateText = `${Math.round(f.cellsPerSecond).toLocaleString('en-US')} cells/s`.padStart(18)
    const ratioText = f.ratio === undefined ? '' : `  ${(f.ratio * 100).toFixed(1).padStart(6)}% of raw seal`
    lines.push(`  ${f.name.padEnd(42)}${rateText}${ratioText}`)
  }
  const hop = result.figures.find((f) => f.name.startsWith('relay hop'))!
  lines.push(`  relay hop at ${(hop.ratio! * 100).toFixed(1)}% of raw seal ${hop.ratio! >= goal ? 'meets' : 'misses'} the ${goal * 100}% goal`)
  return lines.join('\n')
}
