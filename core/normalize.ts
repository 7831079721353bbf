/**
 * Normalisation before hashing (PROTOCOL.md §1.1): sort and de-duplicate the
 * repeated fields. Returns new objects; inputs are never mutated.
 */
import { compareAdapters, compareUtf8 } from './structs.js'
import type { Adapter, CapabilityManifest, DescriptorCapability, ProviderDescriptorUnsigned } from './types.js'

function sortedUnique<T>(items: readonly T[], order: (a: T, b: T) => number): T[] {
  const sorted = [...items].sort(order)
  return sorted.filter((item, i) => i === 0 || order(sorted[i - 1]!, item) !== 0)
}

export function normalizeAdapters(adapters: readonly Adapter[]): Adapter[] {
  return sortedUnique(adapters, compareAdapters)
}

export function normalizeManifest(manifest: CapabilityManifest): CapabilityManifest {
  return { ...manifest, adapters: normalizeAdapters(manifest.adapters) }
}

export function normalizeContactPoints(points: readonly string[]): string[] {
  return sortedUnique(points, compareUtf8)
}

function normalizeCapability(capability: DescriptorCapability): DescriptorCapability {
  return capability.type === 'manifest'
    ? { type: 'manifest', manifest: normalizeManifest(capability.manifest) }
    : capability
}

export function normalizeDescriptorUnsigned(unsigned: ProviderDescriptorUnsigned): ProviderDescriptorUnsigned {
  return {
    ...unsigned,
    contactPoints: normalizeContactPoints(unsigned.contactPoints),
    capability: normalizeCapability(unsigned.capability),
  }
}
