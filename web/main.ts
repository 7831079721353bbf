/**
 * Page entry: start the core worker, wire the form, show the default world.
 */
import { startCoreWorker } from './core-worker-client.js'
import { exposeTerrain } from './terrain-global.js'
import { bindWorldForm } from './world-form.js'
import { worldView } from './world-view.js'

const view = worldView()
const core = startCoreWorker()
const showWorldIdOf = bindWorldForm(view, core)

const ready = Promise.race([
  (async () => {
    view.showBackend(await core.api.ed25519Backend())
    await showWorldIdOf(view.phrase())
  })(),
  core.failed,
])
ready.catch((error: unknown) => {
  view.showStatus(`The protocol core did not start: ${error instanceof Error ? error.message : String(error)}`)
})

exposeTerrain({ ready, worldId: (phrase) => core.api.worldId(phrase) })
