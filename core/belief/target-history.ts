/**
 * How often a prober returns to one target. A prober's last few ticketed
 * epochs and the targets it reported on in each: one that reports on a
 * target every epoch gets no more say over it, across those epochs, than
 * one that reports on it now and then (`spread`). Only ticketed epochs
 * count, so the say a report carries is paid for in tickets however the
 * reports are spread over time.
 */
export class TargetHistory {
  private readonly epochs: Set<string>[] = []

  constructor(private readonly epochsKept: number) {}

  /** Records the targets of one ticketed epoch, dropping the oldest beyond the epochs kept. */
  add(targets: Iterable<string>): void {
    this.epochs.push(new Set(targets))
    if (this.epochs.length > this.epochsKept) this.epochs.shift()
  }

  /**
   * Epochs kept over those with a report on `target`: 1 for a target it
   * reported on every time, up to the window for one it reported on once;
   * 1 for a target never reported on (nothing to spread).
   */
  spread(target: string): number {
    const on = this.epochs.filter((e) => e.has(target)).length
    return on === 0 ? 1 : this.epochs.length / on
  }
}
