/**
 * Page entry: start the core worker and the world form, then join the mesh
 * (log worker + libp2p) and keep the mesh panel current.
 */
import { startCoreWorker } from './core-worker-client.js'
import { joinMesh, type JoinedMesh } from './join-mesh.js'
import { bindChat } from './chat-view.js'
import { meshView } from './mesh-view.js'
import { bindProbe } from './probe-view.js'
import { bindProvide } from './provide-view.js'
import { bindTerrain } from './terrain-view.js'
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

const panel = meshView()
const joined: Promise<JoinedMesh> = joinMesh()
joined.then(
  (mesh) => {
    bindChat(mesh.chat, mesh.peerId)
    bindProvide((options) => mesh.provide(options))
    bindProbe(mesh.control, mesh.epochMs)
    bindTerrain(mesh.control)
    const refresh = async () => panel.show({ peerId: mesh.peerId, connections: mesh.connections(), log: await mesh.logStatus(), directDials: mesh.mesh.directDials })
    void refresh()
    setInterval(() => void refresh(), 1_000)
    panel.onEndorse(async () => {
      const id = await mesh.endorseRules()
      panel.showEndorsed(`signed and published ${id.slice(0, 16)}…`)
      await refresh()
    })
  },
  (error: unknown) => panel.showOffline(error instanceof Error ? error.message : String(error)),
)

exposeTerrain({ ready, worldId: (phrase) => core.api.worldId(phrase), mesh: joined })
