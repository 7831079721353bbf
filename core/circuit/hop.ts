/**
 * The relay side: a hop takes channels (inbound, and the ones its dialer
 * opens to extend circuits), answers CREATEs, relays cells both ways,
 * serves streams addressed to it through an exit handler, and enforces the
 * circuit limits. Bad input ends the circuit it names and is reported; the
 * hop keeps serving every other circuit.
 */
import type { Signer } from '../signing.js'
import { decodeCreate } from './cell.js'
import { CellMux, type CellChannel } from './channel.js'
import { CircuitError, type CircuitErrorCode } from './errors.js'
import { systemRandom, type RandomSource } from './handshake.js'
import { RelayCircuit, type RelayContext } from './relay-circuit.js'
import type { Scheduler } from './scheduler.js'
import { createCircuitSettings, type CircuitSettings } from './settings.js'
import type { CircuitStream } from './stream.js'

/** Opens channels to next hops; web/ and relay-server/ implement it over libp2p. */
export interface CircuitDialer {
  /**
   * A channel to the peer whose Ed25519 identity key is `publicKey`, reached
   * through `contactHint` (as the client wrote it in the EXTEND). May return
   * a channel it returned before. Rejects when the peer cannot be reached.
   */
  dial(publicKey: Uint8Array, contactHint: string): Promise<CellChannel>
}

/**
 * Serves a stream the client opened at this hop (a provider answering a
 * request): read the request from `stream`, write the answer, `end()` it.
 * A handler that throws has its stream aborted (`exit-error`).
 */
export type ExitHandler = (stream: CircuitStream, service: string) => void

/** What a hop saw; privacy tests check that no hop learns more than its neighbours. */
export interface HopObservation {
  event:
    | 'create' // a CREATE accepted
    | 'extend' // an EXTEND addressed to this hop
    | 'extended' // the next hop's CREATED arrived
    | 'forward' // a forward cell passed on
    | 'backward' // a backward cell passed on
    | 'exit-begin' // a stream opened at this hop
    | 'exit-data' // application data arrived at this hop, in the clear
    | 'destroy' // the circuit ended here
  /** Peer on the client's side of the circuit (the channel's label). */
  previousPeer: string
  /** Peer on the far side, once the circuit is extended. */
  nextPeer: string | undefined
  /** Application bytes seen in the clear: non-zero only for `exit-data`. */
  applicationBytes: number
  /** The identity key an EXTEND names (`extend` only). */
  extendTo?: Uint8Array
}

export interface CircuitHopOptions {
  settings?: Partial<CircuitSettings>
  /** The hop's identity (transport) key: signs every CREATED. */
  identity: Signer
  scheduler: Scheduler
  dialer: CircuitDialer
  /** Streams addressed to this hop; without it, BEGIN is answered with END `no-exit`. */
  exit?: ExitHandler
  observer?: (observation: HopObservation) => void
  /** Every bad cell and failed circuit, with the peer it came from. */
  onError?: (error: CircuitError, peer: string) => void
  /** Source of the ephemeral keys; the runtime's CSPRNG unless fixed for a simulation. */
  random?: RandomSource
}

export class CircuitHop {
  readonly settings: CircuitSettings
  /** Errors seen, by code. */
  readonly errorCounts = new Map<CircuitErrorCode, number>()
  private readonly muxes = new Map<CellChannel, CellMux>()
  private readonly circuits = new Set<RelayCircuit>()
  private readonly context: RelayContext

  constructor(private readonly options: CircuitHopOptions) {
    this.settings = createCircuitSettings(options.settings)
    this.context = {
      settings: this.settings,
      scheduler: options.scheduler,
      identity: options.identity,
      random: options.random ?? systemRandom,
      exit: options.exit,
      observe: options.observer,
      report: (error, peer) => this.report(error, peer),
      dial: (key, hint) => this.dial(key, hint),
      forget: (circuit) => this.circuits.delete(circuit),
    }
  }

  /** Circuits this hop relays now. */
  get circuitCount(): number {
    return this.circuits.size
  }

  /** The mux of `channel`, created on first sight: call it for every channel a peer opens to this hop. */
  attach(channel: CellChannel): CellMux {
    let mux = this.muxes.get(channel)
    if (!mux) {
      mux = new CellMux(channel, {
        cellBytes: this.settings.cellBytes,
        maxCircuits: this.settings.maxCircuitsPerChannel,
        onCreate: (m, circuitId, cell) => this.accept(m, circuitId, cell),
        onError: (error, peer) => this.report(error, peer),
        onClosed: (m) => this.muxes.delete(m.channel),
      })
      this.muxes.set(channel, mux)
    }
    return mux
  }

  private accept(mux: CellMux, circuitId: number, cell: Uint8Array): void {
    if (this.circuits.size >= this.settings.maxCircuits) {
      this.report(new CircuitError('circuit/too-many-circuits', `hop already relays ${this.circuits.size} circuits`), mux.channel.peer)
      return mux.sendDestroy(circuitId, 'resource-limit')
    }
    let clientPublic: Uint8Array
    try {
      clientPublic = decodeCreate(cell)
    } catch (e) {
      if (!(e instanceof CircuitError)) throw e
      this.report(e, mux.channel.peer)
      return mux.sendDestroy(circuitId, 'protocol')
    }
    this.circuits.add(new RelayCircuit(this.context, mux, circuitId, clientPublic))
  }

  private async dial(key: Uint8Array, contactHint: string): Promise<CellMux> {
    const mux = this.attach(await this.options.dialer.dial(key, contactHint))
    if (!mux.isOpen) throw new CircuitError('circuit/destroyed', 'the dialed channel is closed', 'channel-closed')
    return mux
  }

  private report(error: CircuitError, peer: string): void {
    this.errorCounts.set(error.code, (this.errorCounts.get(error.code) ?? 0) + 1)
    this.options.onError?.(error, peer)
  }
}
