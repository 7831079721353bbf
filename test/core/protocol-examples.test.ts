import { describe, expect, it } from 'vitest'
import {
  blake3,
  decode,
  deriveDescriptorId,
  deriveFah,
  deriveWorldId,
  encodeTerrainAddress,
  ruleBundleCodec,
  ruleBundleHash,
  terrainAddressCodec,
  toHex,
  encode,
  type CapabilityManifest,
  type RuleBundle,
} from '../../core/index.js'
import examples from '../vectors/protocol-examples.json' with { type: 'json' }
import { vectorBytes } from './helpers.js'

const bundleInput = examples.ruleBundle.input
const bundle: RuleBundle = { ...bundleInput, epochLenMs: BigInt(bundleInput.epochLenMs) }
const manifestInput = examples.capabilityManifest.input
const manifest: CapabilityManifest = {
  ...manifestInput,
  weightsDigest: vectorBytes(manifestInput.weightsDigest),
  toolSchemasDigest: vectorBytes(manifestInput.toolSchemasDigest),
  adapters: manifestInput.adapters.map((a) => ({ ...a, adapterDigest: vectorBytes(a.adapterDigest) })),
}

describe('PROTOCOL.md §5 examples', () => {
  it('TerrainAddress canon and hash', async () => {
    const i = examples.terrainAddress.input
    const address = { epochId: BigInt(i.epochId), regionId: BigInt(i.regionId), chunkId: BigInt(i.chunkId), cellId: i.cellId }
    const canon = encodeTerrainAddress(address)
    expect(toHex(canon)).toBe(examples.terrainAddress.canon)
    expect(toHex(await blake3(canon))).toBe(examples.terrainAddress.hash)
    expect(decode(terrainAddressCodec, canon)).toEqual(address)
  })

  it('RuleBundle canon, RuleBundleHash and WorldId', async () => {
    expect(toHex(encode(ruleBundleCodec, bundle))).toBe(examples.ruleBundle.canon)
    expect(toHex(await ruleBundleHash(bundle))).toBe(examples.ruleBundle.ruleBundleHash)
    expect(toHex(await deriveWorldId(examples.ruleBundle.phrase, bundle))).toBe(examples.ruleBundle.worldId)
    expect(decode(ruleBundleCodec, vectorBytes(examples.ruleBundle.canon))).toEqual(bundle)
  })

  it('FAH normalises the unsorted adapters', async () => {
    expect(toHex(await deriveFah(manifest))).toBe(examples.capabilityManifest.fah)
    expect(toHex(await deriveFah({ ...manifest, adapters: [...manifest.adapters].reverse() }))).toBe(
      examples.capabilityManifest.fah,
    )
  })

  it('DescriptorId normalises the unsorted contact points', async () => {
    const i = examples.providerDescriptorUnsigned.input
    const unsigned = {
      world: vectorBytes(i.world),
      descriptorEpoch: BigInt(i.descriptorEpoch),
      contactPoints: i.contactPoints,
      capability: { type: 'manifest' as const, manifest },
    }
    expect(toHex(await deriveDescriptorId(unsigned))).toBe(examples.providerDescriptorUnsigned.descriptorId)
  })
})
