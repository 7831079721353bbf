/**
 * From an attestation's metrics to one score in [0, 1], weighted by the
 * world's rule bundle: success, tool fidelity, refusal consistency and
 * robustness are rates; latency becomes ref / (ref + latency), 0.5 at the
 * reference. Drift is left to the belief's trend. Metrics out of their
 * ranges are refused, not clamped: they come from a peer.
 */
import type { MetricsVector, RuleBundle } from '../types.js'
import { BeliefError } from './settings.js'

function rate(name: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0 && v <= 1)) throw new BeliefError('bad-metrics', `${name} must be a rate in [0, 1], got ${v}`)
  return v
}

export function observationScore(m: MetricsVector, rules: RuleBundle, latencyRefMs: number): number {
  const latencies = [m.latencyP50Ms, m.latencyP95Ms]
  if (latencies.some((v) => !(Number.isFinite(v) && v >= 0)) || m.latencyP95Ms < m.latencyP50Ms) {
    throw new BeliefError('bad-metrics', `latencies must be 0 ≤ p50 ≤ p95, got ${m.latencyP50Ms} and ${m.latencyP95Ms}`)
  }
  const latencyMs = (m.latencyP50Ms + m.latencyP95Ms) / 2
  const parts: [number, number][] = [
    [rules.wSuccess, rate('success_rate', m.successRate)],
    [rules.wToolFidelity, rate('tool_fidelity', m.toolFidelity)],
    [rules.wRefusalConsistency, rate('refusal_consistency', m.refusalConsistency)],
    [rules.wRobustness, rate('robustness_score', m.robustnessScore)],
    [rules.wLatency, latencyRefMs / (latencyRefMs + latencyMs)],
  ]
  const total = parts.reduce((s, [w]) => s + w, 0)
  if (!(total > 0)) throw new BeliefError('bad-metrics', 'the rule bundle weighs no metric')
  return parts.reduce((s, [w, v]) => s + w * v, 0) / total
}
