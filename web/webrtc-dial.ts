/**
 * Browser-to-browser WebRTC dials with a retry on timeout. @libp2p/webrtc
 * 6.0.x can miss the `open` event of its signalling data channel, so about
 * one dial in twenty hangs although ICE and DTLS came up; a second attempt
 * succeeds. Each attempt is bounded, and a dial that fails otherwise is not retried.
 */
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface WebRtcDialSettings {
  attemptTimeoutMs: number
  attempts: number
}

export const defaultWebRtcDialSettings: Readonly<WebRtcDialSettings> = Object.freeze({ attemptTimeoutMs: 5_000, attempts: 3 })

export async function dialWebRtc(
  node: Libp2p,
  addrs: Multiaddr[],
  settings: WebRtcDialSettings = defaultWebRtcDialSettings,
): Promise<{ connected: boolean; retries: number; error?: string }> {
  let lastError = ''
  for (let attempt = 0; attempt < settings.attempts; attempt++) {
    try {
      await node.dial(addrs, { signal: AbortSignal.timeout(settings.attemptTimeoutMs) })
      return { connected: true, retries: attempt }
    } catch (e) {
      lastError = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
      const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')
      if (!timedOut) return { connected: false, retries: attempt, error: lastError }
    }
  }
  return { connected: false, retries: settings.attempts - 1, error: lastError }
}
