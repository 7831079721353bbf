/**
 * `public/models/manifest.json`: the built-in models, written by
 * scripts/train/train_models.py and sealed (size, BLAKE3) by
 * scripts/train/seal-manifest.ts.
 */
import { ModelError } from './errors.js'

export interface BuiltInModel {
  id: string
  /** File name beside the manifest. */
  file: string
  bytes: number
  /** BLAKE3 of the file, lower-case hex: what `LoadedModel.weightsDigest` reports once loaded. */
  blake3: string
  parameters: number
  /** Most tokens (prompt and answer, BOS included) the model can attend to. */
  contextLimit: number
  vocabSize: number
  layers: number
  heads: number
  dModel: number
  /** How training sequences were laid out, e.g. `<task>: <input>\n=<answer><EOS>`. */
  template: string
  /** One line on how good the model is. */
  quality: string
}

export interface ModelManifest {
  version: 1
  models: BuiltInModel[]
}

const NUMBER_FIELDS = ['bytes', 'parameters', 'contextLimit', 'vocabSize', 'layers', 'heads', 'dModel'] as const
const STRING_FIELDS = ['id', 'file', 'blake3', 'template', 'quality'] as const

/** Throws `ModelError` ('bad-manifest') unless `value` is a version-1 manifest with complete entries. */
export function validateModelManifest(value: unknown): ModelManifest {
  const manifest = value as ModelManifest
  if (typeof value !== 'object' || value === null || manifest.version !== 1 || !Array.isArray(manifest.models)) {
    throw new ModelError('bad-manifest', 'a model manifest is { "version": 1, "models": [...] }')
  }
  for (const model of manifest.models) {
    for (const field of STRING_FIELDS) {
      if (typeof model[field] !== 'string') throw new ModelError('bad-manifest', `model ${String(model.id)}: ${field} must be a string`)
    }
    for (const field of NUMBER_FIELDS) {
      if (!Number.isSafeInteger(model[field]) || model[field] <= 0) {
        throw new ModelError('bad-manifest', `model ${model.id}: ${field} must be a positive integer`)
      }
    }
    if (!/^[0-9a-f]{64}$/.test(model.blake3)) throw new ModelError('bad-manifest', `model ${model.id}: blake3 must be 64 hex digits`)
    if (!/^[\w.-]+$/.test(model.file)) throw new ModelError('bad-manifest', `model ${model.id}: file must be a plain file name`)
  }
  return manifest
}

/** The entry for `id`; throws `ModelError` ('unknown-model') naming the ids there are. */
export function findBuiltInModel(manifest: ModelManifest, id: string): BuiltInModel {
  const model = manifest.models.find((m) => m.id === id)
  if (!model) throw new ModelError('unknown-model', `no built-in model "${id}" (there are: ${manifest.models.map((m) => m.id).join(', ')})`)
  return model
}
