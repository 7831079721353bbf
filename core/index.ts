/**
 * `core/`: the Terrain protocol as a pure library (no DOM, no Node). See
 * docs/architecture.md for the module map and PROTOCOL.md for the contract.
 */
export * from './errors.js'
export * from './bytes.js'
export * from './canonical.js'
export * from './types.js'
export * from './structs.js'
export * from './normalize.js'
export * from './hash.js'
export * from './ids.js'
export * from './ed25519.js'
export * from './signing.js'
export * from './events.js'
export * from './world-phrase.js'
export * from './rule-bundle.js'
export * from './world.js'
export * from './gf2048.js'
export * from './address-phrase.js'
