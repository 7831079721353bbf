/** Small DOM helpers the views share. */
export function byId<T extends Element>(id: string): T {
  const element = document.getElementById(id)
  if (!element) throw new Error(`the page lacks #${id}`)
  return element as unknown as T
}

/** A table row of text cells. */
export function row(cells: readonly string[]): HTMLTableRowElement {
  const tr = document.createElement('tr')
  for (const text of cells) {
    const td = document.createElement('td')
    td.textContent = text
    tr.append(td)
  }
  return tr
}

export const short = (hex: string) => `${hex.slice(0, 10)}…`
export const percent = (x: number) => `${(x * 100).toFixed(0)}%`
