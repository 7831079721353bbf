/** Canonical form of an integer answer: surrounding space and leading zeros do not matter. */
export function canonicalInteger(answer: string): string | undefined {
  const text = answer.trim()
  if (!/^-?\d{1,15}$/.test(text)) return undefined
  return String(Number(text) + 0) // + 0 turns -0 into 0
}
