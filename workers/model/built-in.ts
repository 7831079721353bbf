/** Loading a built-in model from its bytes, holding it to the digest its manifest entry promises. */
import { ModelError } from './errors.js'
import type { BuiltInModel } from './manifest.js'
import { loadModel, type LoadedModel, type LoadModelOptions } from './runtime.js'

export async function loadBuiltInModel(entry: BuiltInModel, bytes: Uint8Array, options: Omit<LoadModelOptions, 'contextLimit'> = {}): Promise<LoadedModel> {
  const model = await loadModel(bytes, { ...options, contextLimit: entry.contextLimit })
  if (model.weightsDigest !== entry.blake3) {
    await model.dispose()
    throw new ModelError('digest-mismatch', `${entry.file} has BLAKE3 ${model.weightsDigest}, the manifest says ${entry.blake3}`)
  }
  return model
}
