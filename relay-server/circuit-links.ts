/**
 * Onion circuits over libp2p, for relays, Node providers, the gateway and
 * pages alike: the `/terrain/circuit/1.0.0` stream protocol carries
 * fixed-size cells, one stream per peer and direction, many circuits
 * multiplexed on it. This module adapts libp2p streams to core's
 * `CellChannel`, runs a `CircuitHop` (every peer is a relay hop, and an
 * exit when it serves a model) and opens client channels to entry hops.
 * Cells only ever travel over direct connections: a relayed (limited)
 * connection is used to set up a direct one, never to carry a circuit.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import {
  CircuitClient,
  CircuitError,
  CircuitHop,
  getEd25519,
  type CellChannel,
  type CellMux,
  type CellReceiver,
  type CircuitDialer,
  type CircuitHopOptions,
  type CircuitSettings,
  type Scheduler,
} from '../core/index.js'

export const CIRCUIT_PROTOCOL = '/terrain/circuit/1.0.0'

/** Real time for circuits: timers of the host runtime. */
export const realTimeScheduler: Scheduler = {
  now: () => performance.now(),
  schedule(delayMs, task) {
    const timer = setTimeout(task, delayMs)
    return () => clearTimeout(timer)
  },
}

/** Finds or makes a direct (unlimited) connection to `peer`; rejects when there can be none. */
export type DirectConnector = (peer: PeerId, contactHint: string) => Promise<Connection>

/** An open, unlimited connection to `peer`, if there is one. */
export function directConnection(node: Libp2p, peer: PeerId): Connection | undefined {
  return node.getConnections(peer).find((c) => c.status === 'open' && c.limits === undefined)
}

/** Cells over one libp2p stream; inbound bytes are cut into cells of exactly `cellBytes`. */
export class StreamCellChannel implements CellChannel {
  private closed = false

  constructor(
    readonly peer: string,
    readonly initiator: boolean,
    private readonly stream: Stream,
    private readonly cellBytes: number,
    /** Counts every cell written, by its length: privacy tests check there is only one. */
    private readonly sentSizes: Map<number, number>,
    private readonly drainTimeoutMs = 10_000,
  ) {}

  get isOpen(): boolean {
    return !this.closed && this.stream.writeStatus === 'writable'
  }

  send(cell: Uint8Array): void | Promise<void> {
    if (!this.isOpen) throw new CircuitError('circuit/destroyed', `channel to ${this.peer} is closed`, 'channel-closed')
    this.sentSizes.set(cell.length, (this.sentSizes.get(cell.length) ?? 0) + 1)
    // `send` queues the cell either way; false asks the writer to wait for the queue to drain.
    if (!this.stream.send(cell)) return this.stream.onDrain({ signal: AbortSignal.timeout(this.drainTimeoutMs) })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.stream.close().catch((e: unknown) => this.stream.abort(e instanceof Error ? e : new Error(String(e))))
  }

  /** Reading starts here: nothing is read before there is someone to take it. */
  setReceiver(receiver: CellReceiver): void {
    void this.read(receiver)
  }

  private async read(receiver: CellReceiver): Promise<void> {
    let partial = new Uint8Array(this.cellBytes)
    let filled = 0
    try {
      for await (const list of this.stream) {
        const chunk = list.subarray()
        let at = 0
        while (at < chunk.length) {
          const take = Math.min(this.cellBytes - filled, chunk.length - at)
          partial.set(chunk.subarray(at, at + take), filled)
          filled += take
          at += take
          if (filled === this.cellBytes) {
            receiver.cell(partial)
            partial = new Uint8Array(this.cellBytes)
            filled = 0
          }
        }
      }
    } catch {
      // A reset stream is a closed channel; the circuits on it learn below.
    }
    const wasClosed = this.closed
    this.closed = true
    if (!wasClosed) receiver.closed()
  }
}

/** The hop's options this peer chooses (its libp2p peer id is the identity key, so CREATED signatures check against it); links supply the rest. */
export interface CircuitLinksOptions extends Pick<CircuitHopOptions, 'identity' | 'exit' | 'observer' | 'onError'> {
  settings: Partial<CircuitSettings> & Pick<CircuitSettings, 'cellBytes'>
  connect: DirectConnector
  /** Circuit streams one peer may open to us at once. */
  maxStreamsPerPeer?: number
}

export class CircuitLinks {
  readonly hop: CircuitHop
  readonly client: CircuitClient
  /** Cells this peer wrote to any circuit stream, counted by length. */
  readonly sentCellSizes = new Map<number, number>()
  /** Our outbound hop channel to each next hop, reused for every circuit extended to it. */
  private readonly hopChannels = new Map<string, Promise<StreamCellChannel>>()
  /** Our client mux to each entry hop. */
  private readonly clientMuxes = new Map<string, Promise<{ mux: CellMux; channel: StreamCellChannel }>>()

  private constructor(
    private readonly node: Libp2p,
    private readonly options: CircuitLinksOptions,
    client: CircuitClient,
  ) {
    const dialer: CircuitDialer = { dial: (publicKey, hint) => this.dialHop(publicKey, hint) }
    const { settings, identity, exit, observer, onError } = options
    this.hop = new CircuitHop({ settings, identity, scheduler: realTimeScheduler, dialer, exit, observer, onError })
    this.client = client
  }

  static async start(node: Libp2p, options: CircuitLinksOptions): Promise<CircuitLinks> {
    const client = new CircuitClient({ settings: options.settings, scheduler: realTimeScheduler, ed25519: await getEd25519() })
    const links = new CircuitLinks(node, options, client)
    const limit = options.maxStreamsPerPeer ?? 8
    await node.handle(
      CIRCUIT_PROTOCOL,
      (stream, connection) => {
        if (connection.limits !== undefined) return stream.abort(new Error('circuits are not carried over limited (relayed) connections'))
        links.hop.attach(new StreamCellChannel(connection.remotePeer.toString(), false, stream, links.cellBytes, links.sentCellSizes))
      },
      { maxInboundStreams: limit, maxOutboundStreams: limit },
    )
    return links
  }

  get cellBytes(): number {
    return this.hop.settings.cellBytes
  }

  async stop(): Promise<void> {
    await this.node.unhandle(CIRCUIT_PROTOCOL)
    for (const channel of this.hopChannels.values()) void channel.then((c) => c.close(), () => {})
    for (const entry of this.clientMuxes.values()) void entry.then((e) => e.channel.close(), () => {})
  }

  /** A client mux on our own stream to entry hop `peer`, reused while its channel is open. */
  async clientMux(peer: PeerId, contactHint = peer.toString(), onError?: (error: CircuitError, peer: string) => void): Promise<CellMux> {
    const key = peer.toString()
    const known = this.clientMuxes.get(key)
    if (known) {
      const entry = await known.catch(() => undefined)
      if (entry?.channel.isOpen && entry.mux.isOpen) return entry.mux
      this.clientMuxes.delete(key)
    }
    const opening = this.openChannel(peer, contactHint).then((channel) => ({ channel, mux: this.client.attach(channel, onError) }))
    this.clientMuxes.set(key, opening)
    opening.catch(() => this.clientMuxes.delete(key))
    return (await opening).mux
  }

  /** The hop's dialer: a channel to the next hop named by its identity key, over a direct connection. */
  private async dialHop(publicKey: Uint8Array, contactHint: string): Promise<CellChannel> {
    const peer = peerIdFromPublicKey(publicKeyFromRaw(publicKey))
    const hinted = hintedPeer(contactHint)
    if (hinted && !hinted.equals(peer)) throw new Error(`contact hint ${contactHint} names another peer than the key`)
    const key = peer.toString()
    const known = this.hopChannels.get(key)
    if (known) {
      const channel = await known.catch(() => undefined)
      if (channel?.isOpen) return channel
      this.hopChannels.delete(key)
    }
    const opening = this.openChannel(peer, contactHint)
    this.hopChannels.set(key, opening)
    opening.catch(() => this.hopChannels.delete(key))
    return opening
  }

  private async openChannel(peer: PeerId, contactHint: string): Promise<StreamCellChannel> {
    const connection = await this.options.connect(peer, contactHint)
    if (connection.limits !== undefined) throw new Error(`only a relayed connection to ${peer.toString()}: circuits need a direct one`)
    const stream = await connection.newStream(CIRCUIT_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
    return new StreamCellChannel(peer.toString(), true, stream, this.cellBytes, this.sentCellSizes)
  }
}

/** The peer a contact hint names: a peer id, or the last `/p2p/` of a multiaddr. */
export function hintedPeer(contactHint: string): PeerId | undefined {
  const text = contactHint.includes('/p2p/') ? contactHint.slice(contactHint.lastIndexOf('/p2p/') + 5).split('/')[0]! : contactHint
  try {
    return peerIdFromString(text)
  } catch {
    return undefined
  }
}

/** The Node connector: an existing direct connection, else a dial (peer store addresses or the hinted multiaddr). */
export function nodeConnector(node: Libp2p): DirectConnector {
  return async (peer, contactHint) => {
    const existing = directConnection(node, peer)
    if (existing) return existing
    // A hint is the client's word: dial an address only if it names this very peer (so the dial's
    // handshake proves the key), never an arbitrary address a client wants this relay to reach.
    const named = contactHint.startsWith('/') && hintedPeer(contactHint)?.equals(peer) === true
    const target = named ? multiaddr(contactHint) : peer
    const connection = await node.dial(target, { signal: AbortSignal.timeout(10_000) })
    if (connection.limits !== undefined) {
      throw new Error(`${peer.toString()} is reachable only through a relay; a Node peer cannot open WebRTC to it here`)
    }
    return connection
  }
}
