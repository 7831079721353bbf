/**
 * Choosing the relay hops of a circuit. The exit is the provider; the hops
 * before it are drawn at random from the candidates under the privacy rules:
 * distinct peers, never the client or the provider itself, and not all of
 * them reached through one relay server (whoever runs it would see every
 * link of the path being set up). With too few candidates the client gets a
 * typed error saying so, never a silently shorter circuit.
 */
import { TerrainError } from './errors.js'

export interface HopCandidate {
  /** Stable peer identity (e.g. a libp2p peer id). */
  peerId: string
  /**
   * The relay server through which this peer is reached (its own id for a
   * relay server). Peers sharing one relay share one point of observation.
   */
  relayGroup: string
}

export type PathSelectionErrorCode = 'too-few-hops' | 'one-relay-group' | 'bad-path-length'

export class PathSelectionError extends TerrainError {
  declare readonly code: PathSelectionErrorCode
}

export interface PathRequest {
  client: string
  exit: HopCandidate
  /** Total hops including the exit (the rule bundle's `default_circuit_len`). */
  length: number
  candidates: readonly HopCandidate[]
  /** Uniform in [0, 1); injected so tests and the simulator are deterministic. */
  random: () => number
  /** Take the candidates in the order given (hops a user pinned) instead of drawing them. */
  keepOrder?: boolean
}

/** The hops of a circuit, entry first, exit last. */
export function selectPath(request: PathRequest): HopCandidate[] {
  const { client, exit, length, random } = request
  if (!Number.isInteger(length) || length < 1 || length > 8) throw new PathSelectionError('bad-path-length', `a circuit has 1 to 8 hops, asked for ${length}`)
  const relays = length - 1
  const seen = new Set([client, exit.peerId])
  const pool: HopCandidate[] = []
  for (const c of request.candidates) {
    if (seen.has(c.peerId)) continue
    seen.add(c.peerId)
    pool.push(c)
  }
  if (pool.length < relays) {
    throw new PathSelectionError(
      'too-few-hops',
      `a ${length}-hop circuit needs ${relays} relay hop${relays === 1 ? '' : 's'} besides this peer and the provider, but only ${pool.length} ${pool.length === 1 ? 'is' : 'are'} reachable`,
    )
  }
  const groups = new Set([...pool.map((c) => c.relayGroup), exit.relayGroup])
  if (length > 1 && groups.size < 2) {
    throw new PathSelectionError('one-relay-group', `every candidate hop is reached through relay ${exit.relayGroup}; a private path needs a second relay`)
  }
  if (request.keepOrder) {
    const path = [...pool.slice(0, relays), exit]
    if (length > 1 && new Set(path.map((h) => h.relayGroup)).size < 2) {
      throw new PathSelectionError('one-relay-group', `the chosen hops are all reached through relay ${exit.relayGroup}; a private path needs a second relay`)
    }
    return path
  }
  // Fisher–Yates over the pool, then the first draw that mixes groups.
  for (let attempt = 0; attempt < 64; attempt++) {
    const shuffled = [...pool]
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
    }
    const path = [...shuffled.slice(0, relays), exit]
    if (length === 1 || new Set(path.map((h) => h.relayGroup)).size >= 2) return path
  }
  // Random draws kept landing in one group: take one hop from another group deliberately.
  const other = pool.find((c) => c.relayGroup !== exit.relayGroup)!
  const rest = pool.filter((c) => c !== other).slice(0, relays - 1)
  return [other, ...rest, exit]
}
