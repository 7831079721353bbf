/**
 * Probe tickets: an optional memory-hard proof of work a prober attaches to
 * its receipts, bound to its transport key, the world and the epoch, so that
 * a fresh identity buys influence only by spending real compute, again each
 * epoch. Verifying costs one evaluation, at parameters the verifier chose.
 *
 * Construction (ProbeTicket { ticket_bytes, params_n, params_r, params_p }):
 *
 *   ticket_bytes = an 8-byte nonce (minting writes le64 of a counter)
 *   password     = "terrain-ticket" || world (32) || le64(epoch) || prober_pubkey (32) || ticket_bytes (8)
 *   work         = scrypt(password, salt = world, N = params_n, r = params_r, p = params_p, dkLen = 32)
 *
 * A ticket is valid for (world, epoch, prober_pubkey) when (params_n,
 * params_r, params_p) equal the verifier's (costN, blockSizeR, parallelismP)
 * and `work` has at least `difficultyBits` leading zero bits, counted from
 * the most significant bit of work[0]. Parameters are compared before any
 * hashing, so a ticket cannot make its verifier compute more than its own
 * settings allow. Minting tries nonces upward from `startNonce` (wrapping at
 * 2^64): 2^difficultyBits evaluations on average.
 */
import { scrypt } from 'hash-wasm'
import { concatBytes, le64, utf8 } from '../bytes.js'
import type { Bytes32, ProbeTicket } from '../types.js'
import { ProbeError } from './errors.js'
import { createTicketSettings, expectedEvaluations, type TicketSettings } from './ticket-settings.js'

/** What a ticket is bound to. */
export interface TicketBinding {
  /** WorldId, 32 bytes. */
  world: Bytes32
  epoch: bigint
  /** The prober's Ed25519 transport public key, 32 bytes. */
  proberPubkey: Uint8Array
}

/** The part of an `AbortSignal` minting reads (declared here so `core/` needs no DOM types). */
export interface AbortSignalLike {
  readonly aborted: boolean
  readonly reason: unknown
}

export interface MintTicketOptions extends TicketBinding {
  settings?: Partial<TicketSettings>
  /** Checked before each evaluation; minting throws its `reason` once aborted. */
  signal?: AbortSignalLike
  /** Called after each evaluation with the evaluations so far and the expected total. */
  onProgress?: (tried: number, expected: number) => void
  /** The first nonce tried, a u64 (default 0). */
  startNonce?: bigint
}

export interface MintedTicket {
  ticket: ProbeTicket
  /** scrypt evaluations it took. */
  evaluations: number
}

const domain = utf8('terrain-ticket')
const nonceLength = 8
const u64Mask = 0xffff_ffff_ffff_ffffn
/** Minting gives the event loop a turn at least this often: a long task, not a frozen tab. */
const yieldEveryMs = 50

const timers = globalThis as unknown as { setTimeout(callback: () => void, ms: number): unknown }
const yieldToEventLoop = () => new Promise<void>((resolve) => timers.setTimeout(resolve, 0))

function checkBinding(b: TicketBinding): void {
  if (!(b.world instanceof Uint8Array) || b.world.length !== 32) throw new ProbeError('ticket-invalid', 'a ticket binds a 32-byte world id')
  if (!(b.proberPubkey instanceof Uint8Array) || b.proberPubkey.length !== 32) throw new ProbeError('ticket-invalid', 'a ticket binds a 32-byte prober key')
  if (typeof b.epoch !== 'bigint' || b.epoch < 0n || b.epoch > u64Mask) throw new ProbeError('ticket-invalid', `a ticket binds a u64 epoch, got ${String(b.epoch)}`)
}

/** Number of leading zero bits of `bytes`, most significant bit of bytes[0] first. */
function leadingZeroBits(bytes: Uint8Array): number {
  let bits = 0
  for (const byte of bytes) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24
    bits += 8
  }
  return bits
}

/** The work value of nonce `ticketBytes` for `binding`, computed at the settings' N, r, p (never at a ticket's own). */
export async function ticketWorkValue(ticketBytes: Uint8Array, binding: TicketBinding, settings: TicketSettings): Promise<Uint8Array> {
  checkBinding(binding)
  return scrypt({
    password: concatBytes(domain, binding.world, le64(binding.epoch), binding.proberPubkey, ticketBytes),
    salt: binding.world,
    costFactor: settings.costN,
    blockSize: settings.blockSizeR,
    parallelism: settings.parallelismP,
    hashLength: 32,
    outputType: 'binary',
  })
}

/** Finds a nonce whose work value meets the difficulty: 2^difficultyBits evaluations on average. */
export async function mintTicket(o: MintTicketOptions): Promise<MintedTicket> {
  const s = createTicketSettings(o.settings)
  checkBinding(o)
  const expected = expectedEvaluations(s)
  let lastYield = Date.now()
  for (let evaluations = 1, nonce = o.startNonce ?? 0n; ; evaluations++, nonce = (nonce + 1n) & u64Mask) {
    if (o.signal?.aborted) throw o.signal.reason
    const ticketBytes = le64(nonce)
    const work = await ticketWorkValue(ticketBytes, o, s)
    o.onProgress?.(evaluations, expected)
    if (leadingZeroBits(work) >= s.difficultyBits) {
      return { ticket: { ticketBytes, paramsN: s.costN, paramsR: s.blockSizeR, paramsP: s.parallelismP }, evaluations }
    }
    if (Date.now() - lastYield >= yieldEveryMs) {
      await yieldToEventLoop()
      lastYield = Date.now()
    }
  }
}

/**
 * Resolves when `ticket` is valid for `binding` under `settings`. Throws
 * `ProbeError('ticket-params')`, before hashing anything, when its N, r, p
 * are not the settings' or its nonce is not 8 bytes, and
 * `ProbeError('ticket-invalid')` when its work value misses the difficulty
 * (forged, or minted for another key, epoch or world).
 */
export async function verifyTicket(ticket: ProbeTicket, binding: TicketBinding, settings: Partial<TicketSettings> = {}): Promise<void> {
  const s = createTicketSettings(settings)
  if (ticket.paramsN !== s.costN || ticket.paramsR !== s.blockSizeR || ticket.paramsP !== s.parallelismP) {
    throw new ProbeError(
      'ticket-params',
      `ticket parameters N=${String(ticket.paramsN)} r=${String(ticket.paramsR)} p=${String(ticket.paramsP)} are not the accepted N=${s.costN} r=${s.blockSizeR} p=${s.parallelismP}`,
    )
  }
  if (!(ticket.ticketBytes instanceof Uint8Array) || ticket.ticketBytes.length !== nonceLength) {
    throw new ProbeError('ticket-params', `a ticket's nonce is ${nonceLength} bytes`)
  }
  const work = await ticketWorkValue(ticket.ticketBytes, binding, s)
  if (leadingZeroBits(work) < s.difficultyBits) {
    throw new ProbeError('ticket-invalid', `the ticket's work has ${leadingZeroBits(work)} leading zero bits, ${s.difficultyBits} needed`)
  }
}
