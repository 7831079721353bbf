/**
 * Globals that js-libp2p 3 expects and Node 20 lacks. Import this module
 * before anything from libp2p: ES modules evaluate in import order, and some
 * libp2p dependencies touch these globals as soon as they run.
 *
 * - `Promise.withResolvers` (Node 22+): called throughout libp2p 3.
 * - `WebSocket` (Node 22+, or Node 20 with `--experimental-websocket`):
 *   `@libp2p/websockets` listens with the `ws` package but *dials* with the
 *   global `WebSocket`, so without it a relay cannot dial its bootstrap
 *   relays. `ws` is already what the listener uses, its client implements the
 *   browser `WebSocket` interface the dialer relies on (`binaryType`,
 *   `addEventListener`, `bufferedAmount`), and a dependency works wherever the
 *   relay is started, unlike a command-line flag.
 */
import { WebSocket as WsWebSocket } from 'ws'

if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor) {
      let resolve!: (value: T | PromiseLike<T>) => void
      let reject!: (reason?: unknown) => void
      const promise = new this<T>((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    },
  })
}

if (typeof globalThis.WebSocket !== 'function') {
  globalThis.WebSocket = WsWebSocket as unknown as typeof globalThis.WebSocket
}
