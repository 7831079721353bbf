/**
 * The patches to libp2p packages (patches/, applied on install). Circuit
 * cells are small and sparse, so what libp2p does per message, not per
 * byte, decides what a hop costs: each extra frame is a socket write and a
 * wakeup of the peer that reads it.
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { defaultLogger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'

const WINDOW = 256 * 1024
const DATA = 0
const WINDOW_UPDATE = 1
const log = defaultLogger().forComponent('test')

function receivingStream() {
  const sent: { type: number; length: number }[] = []
  const stream = new YamuxStream({
    id: 'test',
    streamId: 1,
    state: StreamState.Established,
    direction: 'inbound',
    log,
    getRTT: () => -1,
    sendFrame: (header: { type: number; length: number }) => {
      sent.push({ type: header.type, length: header.length })
      return true
    },
  } as unknown as ConstructorParameters<typeof YamuxStream>[0])
  const receive = (bytes: number) =>
    stream.handleData({ header: { type: DATA, flag: 0, streamID: 1, length: bytes }, data: new Uint8Array(bytes) } as unknown as Parameters<YamuxStream['handleData']>[0])
  return { sent, receive }
}

describe('yamux window updates', () => {
  it('are not sent for frames that leave more than half the window', () => {
    const { sent, receive } = receivingStream()
    for (let i = 0; i < 100; i++) receive(1024)
    expect(sent).toEqual([])
  })

  it('give back all the credit used once half the window is used', () => {
    const { sent, receive } = receivingStream()
    for (let i = 0; i < WINDOW / 2 / 1024; i++) receive(1024)
    expect(sent).toEqual([{ type: WINDOW_UPDATE, length: WINDOW / 2 }])
  })
})

describe('a WebSocket connection', () => {
  it('sends what it is given at once as one frame, in order', async () => {
    // Not exported by the package: the module is loaded by its path.
    const moduleUrl = new URL('../../node_modules/@libp2p/websockets/dist/src/websocket-to-conn.js', import.meta.url).href
    const { webSocketToMaConn } = (await import(moduleUrl)) as {
      webSocketToMaConn: (init: unknown) => { send(data: Uint8ArrayList | Uint8Array): boolean }
    }
    const frames: Uint8Array[] = []
    const websocket = {
      bufferedAmount: 0,
      readyState: 1,
      addEventListener: () => {},
      send: (data: Uint8Array) => void frames.push(new Uint8Array(data)),
      close: () => {},
    }
    const conn = webSocketToMaConn({ websocket, remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/1/ws'), direction: 'outbound', log })
    // A noise message as the encrypter hands it on: its length prefix, then its ciphertext.
    conn.send(new Uint8ArrayList(new Uint8Array([0, 3]), new Uint8Array([7, 8, 9])))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(frames.map((f) => [...f])).toEqual([[0, 3, 7, 8, 9]])
  })
})

describe('a WebRTC stream', () => {
  it('sends each message as one data-channel message, length prefix and body together', async () => {
    // Not exported by the package: the module is loaded by its path.
    const moduleUrl = new URL('../../node_modules/@libp2p/webrtc/dist/src/stream.js', import.meta.url).href
    const { createStream } = (await import(moduleUrl)) as {
      createStream: (options: unknown) => { send(data: Uint8Array): boolean }
    }
    const messages: Uint8Array[] = []
    const channel = {
      id: 1,
      readyState: 'open',
      bufferedAmount: 0,
      binaryType: 'blob',
      addEventListener: () => {},
      send: (data: ArrayBuffer | Uint8Array) => void messages.push(new Uint8Array(data instanceof ArrayBuffer ? data : data.slice())),
      close: () => {},
    }
    const stream = createStream({ channel, direction: 'outbound', log })
    stream.send(new Uint8Array([7, 8, 9]))
    await new Promise((resolve) => setTimeout(resolve, 10))
    // Varint length of the protobuf, then the protobuf: field 2 (message), length 3, the bytes.
    expect(messages.map((m) => [...m])).toEqual([[5, 0x12, 3, 7, 8, 9]])
  })
})

