/**
 * One circuit as a hop relays it: the handshake with the client, the
 * extension to the next hop, cells passed on in both directions, and the
 * exit streams of cells addressed to this hop. Any bad cell ends the
 * circuit (a DESTROY each way), never the hop.
 */
import { equalBytes, utf8 } from '../bytes.js'
import type { Signer } from '../signing.js'
import {
  cellBody,
  decodeCreated,
  decodeDestroy,
  destroyReasonFor,
  destroyedError,
  encodeCreate,
  encodeCreated,
  writeCellHeader,
  type CellHeader,
  type DestroyReason,
} from './cell.js'
import type { CellMux, CircuitEnd } from './channel.js'
import { CircuitError } from './errors.js'
import { answerCreate, newEphemeralKeyPair, type CircuitKeys, type RandomSource } from './handshake.js'
import type { ExitHandler, HopObservation } from './hop.js'
import { cellNonce, openBody, sealBody, xorBody } from './onion.js'
import {
  decodeExtend,
  decodeRelayMessages,
  decodeText,
  encodeExtendFailed,
  encodeExtended,
  encodeRelayMessages,
  encodeTextWithin,
  maxRelayData,
  type ExtendFailure,
  type ExtendRequest,
  type RelayMessage,
} from './relay-message.js'
import { RelayOutbox } from './relay-outbox.js'
import { IdleTimer, type Scheduler } from './scheduler.js'
import type { CircuitSettings } from './settings.js'
import { StreamEnd, type StreamSink } from './stream.js'

/** What a relayed circuit needs from its hop. */
export interface RelayContext {
  readonly settings: CircuitSettings
  readonly scheduler: Scheduler
  readonly identity: Signer
  readonly random: RandomSource
  readonly exit: ExitHandler | undefined
  readonly observe: ((observation: HopObservation) => void) | undefined
  report(error: CircuitError, peer: string): void
  /** A mux on a channel to the hop with identity `key`; rejects when it cannot be reached. */
  dial(key: Uint8Array, contactHint: string): Promise<CellMux>
  /** The circuit ended. */
  forget(circuit: RelayCircuit): void
}

/** The leg toward the next hop, from the EXTEND on. */
interface NextLeg {
  mux: CellMux
  circuitId: number
  /** Seq of the next forward cell on this leg. */
  forwardSeq: number
  /** Seq the next backward cell on this leg must carry. */
  backwardSeq: number
  /** The next hop answered with CREATED. */
  established: boolean
}

type Side = 'previous' | 'next' | 'both'

export class RelayCircuit {
  private status: 'creating' | 'open' | 'closed' = 'creating'
  private keys: CircuitKeys | undefined
  /** Seq the next forward cell from the previous hop must carry: also the nonce seq of this hop's forward layer. */
  private forwardSeq = 0
  /** Seq of the next backward cell to the previous hop: also the nonce seq of this hop's backward layer. */
  private backwardSeq = 0
  private next: NextLeg | undefined
  /** The extension under way: set by an EXTEND, cleared when it succeeds or fails. */
  private extension: { cancelTimer: () => void } | undefined
  private readonly streams = new Map<number, StreamEnd>()
  private readonly idle: IdleTimer
  private readonly sink: StreamSink
  private readonly nextEnd: CircuitEnd
  private readonly outbox: RelayOutbox

  constructor(
    private readonly context: RelayContext,
    private readonly previous: CellMux,
    private readonly previousId: number,
    clientPublic: Uint8Array,
  ) {
    const { settings } = context
    const maxData = maxRelayData(settings.cellBytes)
    this.outbox = new RelayOutbox(settings.cellBytes, (_, messages) => this.sendBackwardCell(messages))
    this.sink = {
      maxData,
      sendData: (streamId, data) => this.sendBackward({ command: 'data', streamId, data }),
      sendEnd: (streamId, reason) => this.sendBackward({ command: 'end', streamId, data: encodeTextWithin(reason, maxData) }),
      release: (streamId) => this.streams.delete(streamId),
    }
    previous.register(previousId, {
      receive: (header, cell) => this.guard(previous, () => this.fromPrevious(header, cell)),
      rejectCell: (error) => this.close(destroyReasonFor(error), 'both'),
      channelClosed: () => this.close('channel-closed', 'next'),
    })
    this.nextEnd = {
      receive: (header, cell) => this.guard(this.next!.mux, () => this.fromNext(header, cell)),
      rejectCell: (error) => this.close(destroyReasonFor(error), 'both'),
      channelClosed: () => (this.next?.established ? this.close('channel-closed', 'previous') : this.extendFailed('unreachable')),
    }
    this.idle = new IdleTimer(context.scheduler, settings.idleTimeoutMs, () => {
      context.report(new CircuitError('circuit/timeout', `circuit idle for ${settings.idleTimeoutMs} ms`), previous.channel.peer)
      this.close('timeout', 'both')
    })
    this.observe('create')
    void this.answer(clientPublic)
  }

  private async answer(clientPublic: Uint8Array): Promise<void> {
    try {
      const { created, keys } = await answerCreate(this.context.identity, clientPublic, newEphemeralKeyPair(this.context.random))
      if (this.status === 'closed') return
      this.keys = keys
      this.status = 'open'
      this.previous.send(encodeCreated(this.context.settings.cellBytes, this.previousId, created))
    } catch (e) {
      if (!(e instanceof CircuitError)) throw e
      this.context.report(e, this.previous.channel.peer)
      this.close('protocol', 'both')
    }
  }

  /** Runs a cell handler; a `CircuitError` is reported against the peer that sent the cell and ends the circuit. */
  private guard(from: CellMux, handle: () => void): void {
    this.idle.touch()
    try {
      handle()
    } catch (e) {
      if (!(e instanceof CircuitError)) throw e
      this.context.report(e, from.channel.peer)
      this.close(destroyReasonFor(e), 'both')
    }
  }

  private fromPrevious(header: CellHeader, cell: Uint8Array): void {
    if (header.command === 'destroy') return this.close(decodeDestroy(cell), 'next')
    if (header.command === 'created') throw new CircuitError('circuit/unexpected-cell', 'CREATED from the client side')
    const keys = this.keys
    if (!keys) throw new CircuitError('circuit/unexpected-cell', 'RELAY before CREATED')
    if (header.seq !== this.forwardSeq) throw new CircuitError('circuit/replay', `relay cell seq ${header.seq}, expected ${this.forwardSeq}`)
    this.forwardSeq++
    const body = cellBody(cell)
    const nonce = cellNonce('forward', header.seq)
    const plaintext = openBody(keys.forwardAead, nonce, body)
    if (plaintext) {
      for (const message of decodeRelayMessages(plaintext)) {
        // A message before this one may have ended the circuit.
        if (this.status === 'closed') return
        this.onMessage(message)
      }
      return
    }
    const next = this.next
    if (!next?.established) throw new CircuitError('circuit/tampered', 'a forward cell this hop cannot open and has no next hop for')
    xorBody(keys.forwardStream, nonce, body)
    writeCellHeader(cell, next.circuitId, 'relay', next.forwardSeq++)
    this.observe('forward')
    next.mux.send(cell)
  }

  private fromNext(header: CellHeader, cell: Uint8Array): void {
    const next = this.next!
    if (header.command === 'destroy') {
      const reason = decodeDestroy(cell)
      return next.established ? this.close(reason, 'previous') : this.extendFailed('refused')
    }
    if (header.command === 'created') {
      if (next.established) throw new CircuitError('circuit/unexpected-cell', 'a second CREATED')
      const created = decodeCreated(cell)
      this.extension?.cancelTimer()
      this.extension = undefined
      next.established = true
      this.observe('extended')
      return this.sendBackward({ command: 'extended', streamId: 0, data: encodeExtended(created) })
    }
    if (!next.established) throw new CircuitError('circuit/unexpected-cell', 'RELAY from the next hop before CREATED')
    if (header.seq !== next.backwardSeq) throw new CircuitError('circuit/replay', `relay cell seq ${header.seq}, expected ${next.backwardSeq}`)
    next.backwardSeq++
    const seq = this.backwardSeq++
    xorBody(this.keys!.backwardStream, cellNonce('backward', seq), cellBody(cell))
    writeCellHeader(cell, this.previousId, 'relay', seq)
    this.observe('backward')
    this.previous.send(cell)
  }

  private onMessage(message: RelayMessage): void {
    const { command, streamId, data } = message
    if (command === 'extend') return this.extend(decodeExtend(data))
    if (command === 'begin') return this.begin(streamId, decodeText(data, 'service'))
    if (command === 'data') {
      const stream = this.streams.get(streamId)
      if (stream) this.observe('exit-data', data.length)
      // DATA or END for a stream the exit already released is a late cell of a race: dropped.
      return stream?.receiveData(data)
    }
    if (command === 'end') return this.streams.get(streamId)?.receiveEnd(decodeText(data, 'END reason'))
    throw new CircuitError('circuit/unexpected-cell', `${command} sent toward a hop`)
  }

  private extend(request: ExtendRequest): void {
    if (this.next || this.extension || equalBytes(request.nextHopKey, this.context.identity.publicKey)) {
      return this.replyExtendFailed('bad-request')
    }
    this.observe('extend', 0, request.nextHopKey)
    const extension = {
      cancelTimer: this.context.scheduler.schedule(this.context.settings.buildTimeoutMs, () => this.extendFailed('timeout')),
    }
    this.extension = extension
    this.context.dial(request.nextHopKey, request.contactHint).then(
      (mux) => {
        if (this.extension !== extension) return
        let circuitId: number
        try {
          circuitId = mux.allocate(this.nextEnd)
        } catch (e) {
          if (!(e instanceof CircuitError)) throw e
          return this.extendFailed('resource-limit')
        }
        this.next = { mux, circuitId, forwardSeq: 0, backwardSeq: 0, established: false }
        mux.send(encodeCreate(this.context.settings.cellBytes, circuitId, request.clientPublic))
      },
      () => {
        if (this.extension === extension) this.extendFailed('unreachable')
      },
    )
  }

  /** The extension under way failed: forget the next leg and tell the client. */
  private extendFailed(failure: ExtendFailure): void {
    if (this.status === 'closed' || !this.extension) return
    this.extension.cancelTimer()
    this.extension = undefined
    const next = this.next
    this.next = undefined
    if (next) {
      next.mux.unregister(next.circuitId)
      if (failure === 'timeout') next.mux.sendDestroy(next.circuitId, 'timeout')
    }
    this.replyExtendFailed(failure)
  }

  private replyExtendFailed(failure: ExtendFailure): void {
    this.sendBackward({ command: 'extend-failed', streamId: 0, data: encodeExtendFailed(failure) })
  }

  private begin(streamId: number, service: string): void {
    if (this.streams.has(streamId)) throw new CircuitError('circuit/unexpected-cell', `BEGIN for open stream ${streamId}`)
    const refuse = (reason: string) => this.sendBackward({ command: 'end', streamId, data: utf8(reason) })
    const exit = this.context.exit
    if (!exit) return refuse('no-exit')
    if (this.streams.size >= this.context.settings.maxStreamsPerCircuit) return refuse('too-many-streams')
    const stream = new StreamEnd(streamId, this.sink)
    this.streams.set(streamId, stream)
    this.observe('exit-begin')
    try {
      exit(stream, service)
    } catch {
      stream.abort('exit-error')
    }
  }

  /** Queues a message of this hop's own (EXTENDED, EXTEND_FAILED, exit DATA and END) toward the client. */
  private sendBackward(message: RelayMessage): void {
    if (this.status === 'open') this.outbox.push(0, message)
  }

  private sendBackwardCell(messages: readonly RelayMessage[]): void {
    if (this.status !== 'open') return
    const cellBytes = this.context.settings.cellBytes
    const cell = new Uint8Array(cellBytes)
    const seq = this.backwardSeq++
    sealBody(this.keys!.backwardAead, cellNonce('backward', seq), encodeRelayMessages(cellBytes, messages), cellBody(cell))
    writeCellHeader(cell, this.previousId, 'relay', seq)
    this.idle.touch()
    this.previous.send(cell)
  }

  /** Ends the circuit here, with a DESTROY to `notify` (the side it did not come from). */
  private close(reason: DestroyReason, notify: Side): void {
    if (this.status === 'closed') return
    // This hop's queued messages go before the DESTROY it sends the client; with none to send, the client side is gone.
    if (notify !== 'next') this.outbox.flush()
    else this.outbox.clear()
    this.status = 'closed'
    this.idle.stop()
    this.extension?.cancelTimer()
    this.extension = undefined
    this.previous.unregister(this.previousId)
    if (notify !== 'next') this.previous.sendDestroy(this.previousId, reason)
    const next = this.next
    if (next) {
      next.mux.unregister(next.circuitId)
      if (notify !== 'previous' || !next.established) next.mux.sendDestroy(next.circuitId, reason)
    }
    const error = destroyedError(reason, 'its circuit ending')
    for (const stream of this.streams.values()) stream.fail(error)
    this.streams.clear()
    this.observe('destroy')
    this.context.forget(this)
  }

  private observe(event: HopObservation['event'], applicationBytes = 0, extendTo?: Uint8Array): void {
    const observe = this.context.observe
    if (!observe) return
    observe({
      event,
      previousPeer: this.previous.channel.peer,
      nextPeer: this.next?.mux.channel.peer,
      applicationBytes,
      ...(extendTo ? { extendTo } : {}),
    })
  }
}
