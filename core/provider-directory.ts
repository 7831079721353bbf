/**
 * The providers a peer knows of: the newest descriptor each provider key
 * published, from the events in its log. Descriptors rotate every epoch, so
 * one older than the previous epoch is stale and no longer offered. Events
 * reach this only after validation, so nothing is checked twice here.
 */
import { equalBytes, toHex } from './bytes.js'
import { isDescriptorEvent } from './events.js'
import { decodeEvent } from './structs.js'
import type { Bytes32, CapabilityManifest, Event, ProviderDescriptor } from './types.js'

export interface ProviderRecord {
  descriptor: ProviderDescriptor
  /** Hex of the provider's transport key: who signed the descriptor. */
  providerKey: string
  /** The manifest, when the descriptor carries one (not just its FAH). */
  manifest: CapabilityManifest | undefined
}

/** A provider as routers and UIs use it: plain data, hex for bytes. */
export interface ProviderSummary {
  /** Hex of its transport key (also its libp2p identity key). */
  providerKey: string
  descriptorEpoch: string
  contactPoints: string[]
  model: string
  runtime: string
  contextLimit: number
  weightsDigest: string
}

export class ProviderDirectory {
  private readonly newest = new Map<string, ProviderRecord>()

  constructor(readonly world: Bytes32) {}

  /** Take in a stored event; returns whether it changed what is known (a newer descriptor of this world). */
  add(event: Event): boolean {
    if (event.body.type !== 'descriptorPublish' || !equalBytes(event.world, this.world)) return false
    const descriptor = event.body.descriptorPublish.descriptor
    const providerKey = toHex(descriptor.providerTransportPubkey)
    const known = this.newest.get(providerKey)
    if (known && known.descriptor.unsigned.descriptorEpoch >= descriptor.unsigned.descriptorEpoch) return false
    const capability = descriptor.unsigned.capability
    this.newest.set(providerKey, { descriptor, providerKey, manifest: capability.type === 'manifest' ? capability.manifest : undefined })
    return true
  }

  /** `add` for an encoded event; anything but a descriptor is passed over after a look at its header. */
  addEncoded(bytes: Uint8Array): boolean {
    return isDescriptorEvent(bytes) && this.add(decodeEvent(bytes))
  }

  /** Providers with a descriptor for epoch `epoch` or the one before, newest first by epoch. */
  current(epoch: bigint): ProviderRecord[] {
    return [...this.newest.values()]
      .filter((r) => r.descriptor.unsigned.descriptorEpoch + 1n >= epoch)
      .sort((a, b) => Number(b.descriptor.unsigned.descriptorEpoch - a.descriptor.unsigned.descriptorEpoch) || a.providerKey.localeCompare(b.providerKey))
  }

  /** `current(epoch)` as summaries; descriptors with only a FAH (no manifest) are left out. */
  summaries(epoch: bigint): ProviderSummary[] {
    return this.current(epoch).flatMap(({ descriptor, providerKey, manifest }) =>
      manifest
        ? [
            {
              providerKey,
              descriptorEpoch: descriptor.unsigned.descriptorEpoch.toString(),
              contactPoints: descriptor.unsigned.contactPoints,
              model: manifest.baseModelId,
              runtime: manifest.runtimeId,
              contextLimit: manifest.contextLimit,
              weightsDigest: toHex(manifest.weightsDigest),
            },
          ]
        : [],
    )
  }

  get size(): number {
    return this.newest.size
  }
}
