/**
 * Stop sequences over streamed text: text that could still turn out to be the
 * start of a stop sequence is held back, so a caller never receives any part
 * of a stop sequence (as OpenAI-compatible servers behave).
 */
export class StopText {
  private held = ''
  private stopped = false

  constructor(private readonly stops: readonly string[]) {}

  get hasStopped(): boolean {
    return this.stopped
  }

  /** Adds generated text; returns the text now safe to release. */
  push(text: string): string {
    if (this.stopped) return ''
    this.held += text
    for (const stop of this.stops) {
      const at = this.held.indexOf(stop)
      if (stop !== '' && at >= 0) {
        this.stopped = true
        const released = this.held.slice(0, at)
        this.held = ''
        return released
      }
    }
    const keep = this.longestStopPrefixSuffix()
    const released = this.held.slice(0, this.held.length - keep)
    this.held = this.held.slice(this.held.length - keep)
    return released
  }

  /** At the end of generation: whatever was held back. */
  flush(): string {
    const rest = this.held
    this.held = ''
    return rest
  }

  private longestStopPrefixSuffix(): number {
    let longest = 0
    for (const stop of this.stops) {
      for (let n = Math.min(stop.length - 1, this.held.length); n > longest; n--) {
        if (this.held.endsWith(stop.slice(0, n))) {
          longest = n
          break
        }
      }
    }
    return longest
  }
}
