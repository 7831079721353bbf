/**
 * The Provide section: choose a built-in model and a backend, load it with
 * progress, then show what is served (backend, fallback reason, weights
 * digest) and live counts of requests and tokens.
 */
import type { ModelLoadProgress } from '../workers/model/runtime.js'
import type { PageProvider, ProvideOptions } from './page-provider.js'
import { byId } from './dom.js'

function progressText(p: ModelLoadProgress): string {
  if (p.stage === 'downloading') return `downloading ${((p.loadedBytes ?? 0) / 2 ** 20).toFixed(1)} MiB${p.totalBytes ? ` of ${(p.totalBytes / 2 ** 20).toFixed(1)} MiB` : ''}`
  return p.stage.replace('-', ' ')
}

export function bindProvide(start: (options: ProvideOptions) => Promise<PageProvider>): void {
  const model = byId<HTMLSelectElement>('provide-model')
  const backend = byId<HTMLSelectElement>('provide-backend')
  const button = byId<HTMLButtonElement>('provide-start')
  const progress = byId<HTMLProgressElement>('provide-progress')
  const error = byId<HTMLElement>('provide-error')
  const info = byId<HTMLElement>('provide-info')
  const modelInfo = byId<HTMLElement>('provide-model-info')
  const runtime = byId<HTMLElement>('provide-runtime')
  const digest = byId<HTMLElement>('provide-digest')
  const stats = byId<HTMLElement>('provide-stats')
  button.disabled = false

  button.addEventListener('click', () => {
    button.disabled = true
    error.hidden = true
    progress.hidden = false
    progress.removeAttribute('value')
    void start({
      model: model.value,
      backend: backend.value as ProvideOptions['backend'],
      onProgress: (p) => {
        progress.title = progressText(p)
        if (p.stage === 'downloading' && p.totalBytes) progress.value = (p.loadedBytes ?? 0) / p.totalBytes
        else progress.removeAttribute('value')
      },
    }).then(
      (provider) => {
        progress.hidden = true
        info.hidden = false
        info.dataset.backend = provider.info.backend
        modelInfo.textContent = `${provider.info.id} (context ${provider.info.shape.contextLimit} tokens)`
        runtime.textContent = provider.info.fallbackReason ? `${provider.info.backend} (WebGPU unavailable: ${provider.info.fallbackReason})` : provider.info.backend
        digest.textContent = provider.info.weightsDigest
        const show = () => {
          const s = provider.stats
          stats.textContent = `${s.requests} request${s.requests === 1 ? '' : 's'}, ${s.tokens} tokens${s.errors ? `, ${s.errors} errors (last: ${s.lastError})` : ''}`
        }
        show()
        setInterval(show, 1_000)
      },
      (e: unknown) => {
        progress.hidden = true
        error.hidden = false
        error.textContent = `The model did not load: ${e instanceof Error ? e.message : String(e)}`
        error.dataset.code = (e as { code?: string }).code ?? ''
        button.disabled = false
      },
    )
  })
}
