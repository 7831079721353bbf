/**
 * Choosing a provider for a request: the compatible ones (model, context),
 * then Thompson sampling over the router's beliefs — each provider's score
 * drawn from its belief, the best draw wins — so uncertain providers still
 * get tried in proportion to their chance of being best. With the rule
 * bundle's exploration rate the choice is uniform instead (the floor every
 * compatible provider keeps). Quarantined providers only get that floor.
 */
import type { RuleBundle } from '../types.js'
import type { BeliefEstimate } from './field.js'
import { BeliefError } from './settings.js'

export interface RoutableProvider {
  /** The router's own name for it (e.g. the descriptor's provider key). */
  key: string
  /** Its TargetRef this epoch, hex: how attestations name it. */
  target: string
  model: string
  contextLimit: number
}

export interface RouteRequest {
  /** Only this base model; any when undefined. */
  model?: string
  /** Tokens the request needs (prompt and answer). */
  contextTokens: number
}

export type RouteReason = 'thompson' | 'exploration'

/** Uniform in [0, 1): the simulator passes a seeded one, routers a cryptographic one. */
export type Uniform = () => number

/** A standard normal draw (Box–Muller). */
export function normal(random: Uniform): number {
  const u = 1 - random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

export function compatibleProviders<P extends RoutableProvider>(providers: readonly P[], request: RouteRequest): P[] {
  return providers.filter((p) => (request.model === undefined || p.model === request.model) && p.contextLimit >= request.contextTokens)
}

/** The compatible providers; throws `BeliefError('no-compatible-provider')` when there are none. */
function compatibleOrThrow<P extends RoutableProvider>(providers: readonly P[], request: RouteRequest): P[] {
  const compatible = compatibleProviders(providers, request)
  if (compatible.length === 0) throw new BeliefError('no-compatible-provider', `no provider serves ${request.model ?? 'any model'} with ${request.contextTokens} tokens of context`)
  return compatible
}

/** One of `providers`, uniformly. */
function pickUniform<P>(providers: readonly P[], random: Uniform): P {
  return providers[Math.min(providers.length - 1, Math.floor(random() * providers.length))]!
}

/** A compatible provider chosen uniformly, beliefs aside (a router without any). Throws `BeliefError('no-compatible-provider')`. */
export function chooseUniform<P extends RoutableProvider>(providers: readonly P[], request: RouteRequest, random: Uniform): P {
  return pickUniform(compatibleOrThrow(providers, request), random)
}

export function chooseProvider<P extends RoutableProvider>(
  providers: readonly P[],
  request: RouteRequest,
  belief: (target: string) => BeliefEstimate,
  rules: RuleBundle,
  random: Uniform,
): { provider: P; reason: RouteReason } {
  const compatible = compatibleOrThrow(providers, request)
  if (random() < rules.explorationRate) return { provider: pickUniform(compatible, random), reason: 'exploration' }
  // One pass, no intermediate arrays: routers and the simulator call this for every request.
  let best: P | undefined
  let bestDraw = Number.NEGATIVE_INFINITY
  for (const p of compatible) {
    const b = belief(p.target)
    if (b.quarantined) continue
    const draw = b.mu + b.sigma * normal(random)
    if (draw > bestDraw) [best, bestDraw] = [p, draw]
  }
  if (best === undefined) return { provider: pickUniform(compatible, random), reason: 'exploration' }
  return { provider: best, reason: 'thompson' }
}
