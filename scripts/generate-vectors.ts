/** Writes test/vectors/terrain-core.json. Run once per intended change; the test suite checks it. */
import { writeFileSync } from 'node:fs'
import { toVectorJson } from '../test/vectors/json.js'
import { computeVectors } from '../test/vectors/terrain-core.js'

const path = new URL('../test/vectors/terrain-core.json', import.meta.url)
writeFileSync(path, toVectorJson(await computeVectors()) + '\n')
console.log(`wrote ${path.pathname}`)
