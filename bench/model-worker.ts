/** Dedicated worker for the model benchmark: the built-in model fetched from the page's origin, on WASM. */
import * as Comlink from 'comlink'
import { loadBuiltInModel } from '../workers/model/built-in.js'
import { fetchBytes } from '../workers/model/fetch-bytes.js'
import { findBuiltInModel, validateModelManifest } from '../workers/model/manifest.js'
import { configureOrtForBrowser } from '../workers/model/ort-browser.js'
import { measureDecoding } from './model-decode.js'

configureOrtForBrowser()

const api = {
  async decoding(modelId: string, rounds: number) {
    const manifest = validateModelManifest(await (await fetch('/models/manifest.json')).json())
    const entry = findBuiltInModel(manifest, modelId)
    const model = await loadBuiltInModel(entry, await fetchBytes(`/models/${entry.file}`), { backend: 'wasm' })
    try {
      return await measureDecoding('Chromium dedicated worker', model, rounds)
    } finally {
      await model.dispose()
    }
  },
}

export type ModelBenchWorkerApi = typeof api
Comlink.expose(api)
