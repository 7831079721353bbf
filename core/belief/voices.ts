/**
 * The voices behind one target's reports in one epoch, and what each report
 * weighs. Reports of one prober group are one voice; so are reports whose
 * scores agree to within the lockstep tolerance, because independent
 * measurements never agree that closely (their latencies alone differ):
 * identities copying one measurement are one voice however many tickets
 * they hold. A voice weighs as much as its weightiest report, shared among
 * its reports, so copying an honest report gains the copier nothing and
 * takes nothing from the honest prober.
 */
import { Partition } from './prober-groups.js'

export interface VoicedReport {
  /** The prober's group (`groupCorrelated`). */
  group: number
  /** What the report would weigh alone: its prober's trust, spread over time (`TargetHistory`). */
  weight: number
  score: number
}

export interface Voices {
  /** Per report: its voice, a small integer. */
  voice: number[]
  /** Per report: its share of its voice's weight. */
  share: number[]
}

export function voicesOf(reports: readonly VoicedReport[], lockstepTolerance: number): Voices {
  const voices = new Partition(reports.length)
  const firstOfGroup = new Map<number, number>()
  reports.forEach((r, i) => {
    const first = firstOfGroup.get(r.group)
    if (first === undefined) firstOfGroup.set(r.group, i)
    else voices.link(first, i)
  })
  const byScore = reports.map((_, i) => i).sort((a, b) => reports[a]!.score - reports[b]!.score)
  for (let k = 1; k < byScore.length; k++) {
    const [a, b] = [byScore[k - 1]!, byScore[k]!]
    if (reports[b]!.score - reports[a]!.score <= lockstepTolerance) voices.link(a, b)
  }
  const voice = voices.ids()
  const best = new Map<number, number>()
  const count = new Map<number, number>()
  reports.forEach((r, i) => {
    const v = voice[i]!
    best.set(v, Math.max(best.get(v) ?? 0, r.weight))
    count.set(v, (count.get(v) ?? 0) + 1)
  })
  return { voice, share: voice.map((v) => best.get(v)! / count.get(v)!) }
}
