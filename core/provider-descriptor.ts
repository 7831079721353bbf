/**
 * A provider's signed descriptor event for one epoch: what it serves (a
 * capability manifest whose `weights_digest` is the BLAKE3 of the weights
 * it actually loaded) and where to reach it. Providers publish a fresh one
 * every epoch; routers offer only current ones (see `ProviderDirectory`).
 */
import { createEvent } from './events.js'
import { blake3 } from './hash.js'
import { signDescriptor, type Signer } from './signing.js'
import type { Bytes32, CapabilityManifest, Event } from './types.js'

/** What a provider states about its model; the digests are filled in from what it loaded. */
export interface ServedModel {
  baseModelId: string
  /** BLAKE3 of the weights file loaded (or, for a forward, of the upstream's model name). */
  weightsDigest: Bytes32
  runtimeId: string
  contextLimit: number
}

/** No tools are offered yet: the tool-schema digest is that of the empty schema list. */
export async function capabilityManifest(model: ServedModel): Promise<CapabilityManifest> {
  return { ...model, toolSchemasDigest: await blake3(new Uint8Array(0)), safetyMode: 'standard', adapters: [] }
}

export async function descriptorEvent(options: { world: Bytes32; epoch: bigint; contactPoints: string[]; model: ServedModel; signer: Signer }): Promise<Event> {
  const { world, epoch, contactPoints, model, signer } = options
  const descriptor = await signDescriptor(
    { world, descriptorEpoch: epoch, contactPoints, capability: { type: 'manifest', manifest: await capabilityManifest(model) } },
    signer,
  )
  return createEvent({ type: 'descriptorPublish', descriptorPublish: { world, epochId: epoch, descriptor } })
}
