/** Writes test/vectors/circuit.json. Run once per intended change; the test suite checks it. */
import { writeFileSync } from 'node:fs'
import { computeCircuitVectors } from '../test/vectors/circuit.js'
import { toVectorJson } from '../test/vectors/json.js'

const path = new URL('../test/vectors/circuit.json', import.meta.url)
writeFileSync(path, toVectorJson(await computeCircuitVectors()) + '\n')
console.log(`wrote ${path.pathname}`)
