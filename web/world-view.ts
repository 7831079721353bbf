/**
 * The page's elements, and how a WorldId, an error, the Ed25519 backend and
 * the status line are shown in them. No logic beyond display.
 */
export interface WorldView {
  readonly phrase: () => string
  readonly onSubmit: (handler: (phrase: string) => void) => void
  readonly showWorldId: (hex: string) => void
  /** Shows `message` as the form's error (with the machine-readable `code` in `data-code`) and clears the WorldId. */
  readonly showError: (message: string, code: string | undefined) => void
  readonly showBackend: (name: string) => void
  readonly showStatus: (text: string) => void
}

function byId<T extends HTMLElement>(id: string, type: { new (): T; readonly name: string }): T {
  const element = document.getElementById(id)
  if (!(element instanceof type)) throw new Error(`the page lacks #${id} (${type.name})`)
  return element
}

export function worldView(): WorldView {
  const form = byId('world-form', HTMLFormElement)
  const input = byId('world-phrase', HTMLInputElement)
  const worldId = byId('world-id', HTMLOutputElement)
  const error = byId('world-error', HTMLParagraphElement)
  const backend = byId('ed25519-backend', HTMLElement)
  const status = byId('status', HTMLParagraphElement)

  return {
    phrase: () => input.value,
    onSubmit(handler) {
      form.addEventListener('submit', (event) => {
        event.preventDefault()
        handler(input.value)
      })
    },
    showWorldId(hex) {
      worldId.value = hex
      error.hidden = true
      error.textContent = ''
      delete error.dataset.code
      input.removeAttribute('aria-invalid')
    },
    showError(message, code) {
      worldId.value = ''
      error.textContent = message
      if (code === undefined) delete error.dataset.code
      else error.dataset.code = code
      error.hidden = false
      input.setAttribute('aria-invalid', 'true')
    },
    showBackend(name) {
      backend.textContent = name
    },
    showStatus(text) {
      status.textContent = text
    },
  }
}
