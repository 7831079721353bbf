/**
 * `npm run model-server -- --port N --model terrain-tiny`: a built-in model
 * behind an OpenAI-compatible HTTP API, on the same onnxruntime-web WASM
 * build the browser provider runs. Prints one ready line; SIGINT or SIGTERM
 * stop it.
 */
import type { AddressInfo } from 'node:net'
import { loadBuiltInModelFromDisk, configureOrtForNode } from '../../workers/model/node.js'
import { modelServerHelp, ModelServerConfigError, parseModelServerArgs } from './config.js'
import { createModelHttpServer } from './http.js'

async function main(): Promise<void> {
  let parsed
  try {
    parsed = parseModelServerArgs(process.argv.slice(2))
  } catch (e) {
    if (!(e instanceof ModelServerConfigError)) throw e
    console.error(`terrain model-server: ${e.message}`)
    process.exit(2)
  }
  if (parsed.help) return console.log(modelServerHelp())
  const config = parsed.config
  configureOrtForNode()
  const { model } = await loadBuiltInModelFromDisk(config.model, { backend: 'wasm' })
  const server = createModelHttpServer({ id: config.model, model, created: Math.floor(Date.now() / 1000), maxTokens: config.maxTokens })
  const shutdown = (signal: NodeJS.Signals) => {
    console.log(`terrain model-server: ${signal}, shutting down`)
    server.closeAllConnections()
    server.close(() => process.exit(0))
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.port, config.host, resolve))
  const { address, port } = server.address() as AddressInfo
  const host = address.includes(':') ? `[${address}]` : address
  console.log(`terrain model-server listening on http://${host}:${port} model ${config.model} backend ${model.backend} blake3 ${model.weightsDigest}`)
}

main().catch((e: unknown) => {
  console.error('terrain model-server: failed to start:', e instanceof Error ? e.message : e)
  process.exit(1)
})
