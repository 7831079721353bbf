/**
 * The root of every error `core/` throws on purpose. Callers can tell protocol
 * failures (bad input) from bugs with `instanceof TerrainError`, and branch on
 * the stable, machine-readable `code` of each subclass.
 */
export class TerrainError extends Error {
  readonly code: string

  constructor(code: string, message: string) {
    super(message)
    this.name = new.target.name
    this.code = code
  }
}
