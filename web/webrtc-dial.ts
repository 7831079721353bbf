/**
 * Browser-to-browser WebRTC dials, bounded and retried. A dial signalled
 * through a relay can fail for passing reasons — the responder still tearing
 * down an earlier connection to us, a signalling stream cut short — so a
 * failed attempt is retried after a short, growing pause. (A hang in
 * @libp2p/webrtc's own handshake is fixed at build time, see
 * web/build/webrtc-init-channel-fix.ts; the attempt timeout bounds anything else.)
 */
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface WebRtcDialSettings {
  attemptTimeoutMs: number
  attempts: number
  /** Pause before retry n is n times this. */
  backoffMs: number
}

/** A healthy dial on a LAN takes tens of ms; a few seconds bounds a stuck one. */
export const defaultWebRtcDialSettings: Readonly<WebRtcDialSettings> = Object.freeze({ attemptTimeoutMs: 3_000, attempts: 4, backoffMs: 100 })

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`
  if (typeof e === 'object' && e !== null && 'error' in e) return `RTCError: ${String((e as { error: { message?: string } }).error?.message)}`
  return String(e)
}

export async function dialWebRtc(
  node: Libp2p,
  addrs: Multiaddr[],
  settings: WebRtcDialSettings = defaultWebRtcDialSettings,
): Promise<{ connected: boolean; retries: number; error?: string }> {
  let lastError = ''
  for (let attempt = 0; attempt < settings.attempts; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, attempt * settings.backoffMs))
    try {
      // force: a relayed (limited) connection to the peer may exist already; a direct one is wanted.
      await node.dial(addrs, { signal: AbortSignal.timeout(settings.attemptTimeoutMs), force: true })
      return { connected: true, retries: attempt }
    } catch (e) {
      lastError = describe(e)
    }
  }
  return { connected: false, retries: settings.attempts - 1, error: lastError }
}
