/**
 * What a page needs to join the mesh, served by the relay at `/config.json`:
 * the relays to dial, the world phrase, and ICE servers for WebRTC.
 */
export interface NetConfig {
  relays: string[]
  world: string
  /** The world's epoch length in ms; 0 for the default rule bundle's. */
  epochMs: number
  iceServers: RTCIceServer[]
  /**
   * The one relay to hold a reservation on (from the page URL's `?relay=<peer id>`),
   * or undefined to reserve wherever libp2p finds room. A peer's reservation
   * relay is its relay group when circuits choose hops.
   */
  reserveOn: string | undefined
}

export class NetConfigError extends Error {
  override readonly name = 'NetConfigError'
}

export async function loadNetConfig(url = '/config.json', search = location.search): Promise<NetConfig> {
  const response = await fetch(url)
  if (!response.ok) throw new NetConfigError(`${url} answered ${response.status}; is this page served by a Terrain relay?`)
  const body = (await response.json()) as Partial<NetConfig>
  if (!Array.isArray(body.relays) || typeof body.world !== 'string') throw new NetConfigError(`${url} lacks relays or world`)
  const wanted = new URLSearchParams(search).get('relay')
  const reserveOn = wanted ? body.relays.find((r) => r.endsWith(`/p2p/${wanted}`)) : undefined
  if (wanted && !reserveOn) throw new NetConfigError(`?relay=${wanted} names no relay of this mesh`)
  const epochMs = typeof body.epochMs === 'number' && Number.isInteger(body.epochMs) && body.epochMs >= 0 ? body.epochMs : 0
  return { relays: body.relays, world: body.world, epochMs, iceServers: Array.isArray(body.iceServers) ? body.iceServers : [], reserveOn }
}

/**
 * Local and private addresses are refused by libp2p's browser default; they
 * are allowed only when the page itself comes from such a host (a local or
 * private mesh), so a public deployment keeps the strict default.
 */
export function allowsPrivateAddresses(hostname: string): boolean {
  return /^(localhost|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|\[?::1\]?$)/.test(hostname)
}
