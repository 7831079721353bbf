/** The committed vector set (test/vectors/terrain-core.json) must be reproduced exactly, forever. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  codecs,
  decode,
  decodeEvent,
  deriveBah,
  deriveControlPlaneKey,
  deriveDescriptorId,
  deriveFah,
  deriveHandle,
  deriveReplicaId,
  deriveTargetRef,
  deriveWorldId,
  encode,
  getPublicKey,
  nobleEd25519,
  phraseToAddress,
  addressToPhrase,
  ruleBundleHash,
  toHex,
  validateEventBytes,
  webCryptoEd25519,
  type Codec,
  type StructName,
} from '../../core/index.js'
import { fromVectorJson, toVectorJson } from '../vectors/json.js'
import { computeVectors } from '../vectors/terrain-core.js'

type Vectors = Awaited<ReturnType<typeof computeVectors>>
const text = readFileSync(new URL('../vectors/terrain-core.json', import.meta.url), 'utf8')
const v = fromVectorJson<Vectors>(text)
const hex = (b: Uint8Array) => toHex(b)

describe('terrain-core vectors', () => {
  it('regenerating them from the inputs changes nothing', async () => {
    expect(toVectorJson(await computeVectors()) + '\n').toBe(text)
  })

  it.each(v.structs.map((s) => [s.name, s] as const))('%s encodes to and decodes from its canon', (name, s) => {
    const codec = codecs[name as StructName] as Codec<unknown>
    expect(hex(encode(codec, s.value))).toBe(hex(s.canon))
    expect(hex(encode(codec, decode(codec, s.canon)))).toBe(hex(s.canon))
  })

  it('every derivation reproduces its output', async () => {
    const { ids } = v
    expect(hex(await ruleBundleHash(ids.ruleBundleHash.bundle))).toBe(hex(ids.ruleBundleHash.output))
    for (const w of ids.worldId) expect(hex(await deriveWorldId(w.phrase, w.bundle))).toBe(hex(w.output))
    expect(hex(await deriveFah(ids.fah.manifest))).toBe(hex(ids.fah.output))
    expect(hex(await deriveDescriptorId(ids.descriptorId.unsigned))).toBe(hex(ids.descriptorId.output))
    const c = ids.controlPlaneKey
    expect(hex(await deriveControlPlaneKey(c.masterKey, c.worldId, c.epochId))).toBe(hex(c.output))
    const t = ids.targetRef
    expect(hex(await deriveTargetRef(t.controlPlaneKey, t.worldId, t.epochId, t.descriptorId))).toBe(hex(t.output))
    expect(hex(await deriveHandle(ids.handle.observerSecret, ids.handle.observedFingerprint))).toBe(hex(ids.handle.output))
    const r = ids.replicaId
    expect(hex(await deriveReplicaId(r.transportPubkey, r.worldId, r.epochId))).toBe(hex(r.output))
    expect(hex(await deriveBah(ids.bah.fah, ids.bah.epochId, ids.bah.metrics))).toBe(hex(ids.bah.output))
  })

  it.each(v.signatures.map((s) => [s.name, s] as const))('%s signature is reproduced by both backends', async (_, s) => {
    expect(hex(getPublicKey(s.secretKey))).toBe(hex(s.publicKey))
    for (const backend of [nobleEd25519, webCryptoEd25519(globalThis.crypto.subtle as never)]) {
      expect(hex(await backend.sign(s.secretKey, s.message))).toBe(hex(s.signature))
      expect(await backend.verify(s.publicKey, s.message, s.signature)).toBe(true)
    }
  })

  it.each(v.events.map((e) => [e.type, e] as const))('%s event validates and carries its id', async (_, e) => {
    const result = await validateEventBytes(e.bytes)
    expect(result.ok).toBe(true)
    expect(hex(decodeEvent(e.bytes).eventId)).toBe(hex(e.eventId))
  })

  it('address phrases decode to their addresses and back', () => {
    for (const a of v.addressPhrases) {
      expect(addressToPhrase(a.address)).toBe(a.phrase)
      expect(phraseToAddress(a.phrase)).toEqual(a.address)
    }
  })
})
