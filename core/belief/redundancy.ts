/**
 * The rule bundle's `maxProbeRedundancy` on a router: per target and epoch,
 * at most that many probers speak. When more report, the router hears
 * ticketed probers with a record first, then other ticketed ones, then the
 * unticketed, so a crowd of fresh identities cannot drown out established
 * probers; among equals, the ones the lottery sent. Probers are assigned
 * targets by a keyed lottery (`probe/assignment.ts`); a report whose draw
 * lies far above the threshold this router computes was not assigned, and
 * weighs less the further above it lies. Routers count probers from their
 * own logs, so their thresholds differ a little from the prober's: within
 * `slack` times the threshold a report weighs in full, and beyond it never
 * nothing.
 */

export interface RedundancyReport {
  /** The prober's trust on this router. */
  trust: number
  /** The prober's lottery draw for this target, in [0, 1); undefined when unknown (nothing to hold it to). */
  assignment: number | undefined
  /** The prober's key: the last tie-break, so the choice never depends on arrival order. */
  prober: string
  /** Whether it showed a valid probe ticket this epoch. */
  ticketed: boolean
}

/** What a report's weight is multiplied by for its lottery draw: 1 up to `slack` × threshold, then falling as 1/draw. */
export function lotteryFactor(assignment: number | undefined, threshold: number, slack: number): number {
  if (assignment === undefined || assignment <= slack * threshold) return 1
  return (slack * threshold) / assignment
}

/**
 * A report's standing when too many report on a target: 2 for a ticketed
 * prober that earned trust beyond `earned` (a fresh ticketed prober's), its
 * trust times its lottery factor; 1 for the other ticketed ones; 0 without
 * a ticket.
 */
export function standingTier(r: RedundancyReport, threshold: number, slack: number, earned: number): number {
  if (!r.ticketed) return 0
  return r.trust * lotteryFactor(r.assignment, threshold, slack) > earned ? 2 : 1
}

/**
 * Which of one target's reports are heard (indices, first heard first): all
 * of them up to `cap`; else by standing tier, and within a tier the lower
 * draw first (an unknown draw last), then the lower key. Trust decides the
 * tier only: ranked by trust alone, a majority that carries a target's
 * aggregate would silence the minority whose trust its lie eroded, while
 * the lottery, not the crowd, says who was sent there.
 */
export function heardReports(reports: readonly RedundancyReport[], cap: number, threshold: number, slack: number, earned: number): number[] {
  const tier = reports.map((r) => standingTier(r, threshold, slack, earned))
  const draw = (i: number) => reports[i]!.assignment ?? Number.POSITIVE_INFINITY
  const byKey = (a: number, b: number) => (reports[a]!.prober < reports[b]!.prober ? -1 : reports[a]!.prober > reports[b]!.prober ? 1 : 0)
  const order = reports.map((_, i) => i).sort((a, b) => tier[b]! - tier[a]! || draw(a) - draw(b) || byKey(a, b))
  return order.slice(0, cap)
}
