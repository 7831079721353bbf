/**
 * Last step of scripts/train/train_models.py: records each model file's size
 * and BLAKE3 digest in public/models/manifest.json (Python has no BLAKE3 in
 * Debian's standard packages; core/hash.ts is the one the runtime uses).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { blake3, toHex } from '../../core/index.js'
import { MODELS_DIR } from '../../workers/model/node.js'

const path = `${MODELS_DIR}manifest.json`
const manifest = JSON.parse(await readFile(path, 'utf8')) as { models: { file: string; bytes?: number; blake3?: string }[] }
for (const model of manifest.models) {
  const bytes = await readFile(`${MODELS_DIR}${model.file}`)
  model.bytes = bytes.length
  model.blake3 = toHex(await blake3(bytes))
  console.log(`${model.file}: ${bytes.length} bytes, BLAKE3 ${model.blake3}`)
}
await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`)
