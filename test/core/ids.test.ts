import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CanonError,
  deriveChallengeId,
  deriveControlPlaneKey,
  deriveDescriptorId,
  deriveReplicaId,
  deriveTargetRef,
  normalizeDescriptorUnsigned,
  toHex,
  utf8,
} from '../../core/index.js'
import { providerDescriptorUnsigned } from './arbitraries.js'
import { seed } from './fixtures.js'

const hex = toHex

describe('derivations', () => {
  it('replica ids rotate with the epoch and never equal the transport key', async () => {
    const key = seed(1)
    const ids = new Set<string>()
    for (let epoch = 0n; epoch < 20n; epoch++) ids.add(hex(await deriveReplicaId(key, seed(2), epoch)))
    expect(ids.size).toBe(20)
    expect(ids.has(hex(key))).toBe(false)
  })

  it('a TargetRef depends on the control-plane key: another master key gives another ref', async () => {
    const world = seed(2)
    const descriptor = seed(3)
    const refs = new Set<string>()
    for (const master of [seed(1), seed(99)]) {
      for (const epoch of [100n, 101n]) {
        const cpk = await deriveControlPlaneKey(master, world, epoch)
        refs.add(hex(await deriveTargetRef(cpk, world, epoch, descriptor)))
      }
    }
    expect(refs.size).toBe(4)
  })

  it('refuse malformed inputs with typed errors', async () => {
    await expect(deriveControlPlaneKey(seed(1).slice(1), seed(2), 1n)).rejects.toMatchObject({ code: 'wrong-key-length' })
    await expect(deriveTargetRef(seed(1), seed(2).slice(1), 1n, seed(3))).rejects.toBeInstanceOf(CanonError)
    await expect(deriveReplicaId(seed(1), seed(2), -1n)).rejects.toMatchObject({ code: 'out-of-range' })
    await expect(deriveChallengeId(new Uint8Array(4), utf8('x'))).rejects.toMatchObject({ code: 'weak-salt' })
  })

  it('challenge ids are salted commitments, not prompt hashes', async () => {
    const challenge = utf8('reverse: lantern')
    const a = await deriveChallengeId(seed(1).slice(0, 16), challenge)
    const b = await deriveChallengeId(seed(2).slice(0, 16), challenge)
    expect(hex(a)).not.toBe(hex(b))
  })

  it('DescriptorId does not depend on the order contact points and adapters are given in', async () => {
    await fc.assert(
      fc.asyncProperty(providerDescriptorUnsigned, async (unsigned) => {
        const shuffled = {
          ...unsigned,
          contactPoints: [...unsigned.contactPoints].reverse().concat(unsigned.contactPoints.slice(0, 1)),
        }
        expect(hex(await deriveDescriptorId(shuffled))).toBe(hex(await deriveDescriptorId(unsigned)))
        expect(normalizeDescriptorUnsigned(shuffled).contactPoints).toEqual(unsigned.contactPoints)
      }),
      { numRuns: 100 },
    )
  })
})
