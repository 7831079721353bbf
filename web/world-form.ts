/**
 * The form's behaviour: ask the worker for a phrase's WorldId and show the
 * answer or the refusal. Only the latest request is shown, so a slow answer
 * cannot overwrite a newer one.
 */
import type { CoreWorker } from './core-worker-client.js'
import type { WorldView } from './world-view.js'

/** Binds the form; returns the function that computes and shows a phrase's WorldId (it never rejects). */
export function bindWorldForm(view: WorldView, core: CoreWorker): (phrase: string) => Promise<void> {
  let latest = 0

  async function show(phrase: string): Promise<void> {
    const request = ++latest
    view.showStatus('Computing the WorldId in the worker…')
    const started = performance.now()
    try {
      const hex = await core.api.worldId(phrase)
      if (request !== latest) return
      view.showWorldId(hex)
      view.showStatus(`WorldId computed in the worker in ${Math.round(performance.now() - started)} ms.`)
    } catch (error) {
      if (request !== latest) return
      // Comlink rethrows the worker's error as a plain Error carrying its message, name and code.
      const message = error instanceof Error ? error.message : String(error)
      const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined
      view.showError(message, code)
      view.showStatus('No WorldId: the worker refused the phrase.')
    }
  }

  view.onSubmit((phrase) => void show(phrase))
  return show
}
