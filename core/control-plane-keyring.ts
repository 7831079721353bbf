/**
 * A member's side of sealing: the control-plane master key, the seal key of
 * each epoch derived from it on demand, and the sealed records that arrived
 * before the key did (opened when it comes). What a router reads from its
 * log goes through `read`: plain events as they are, sealed records opened.
 */
import { equalBytes } from './bytes.js'
import { decodeEvent } from './structs.js'
import { isSealedRecord } from './record-kind.js'
import { decodeSealedRecord, deriveSealKey, openSealedEvent, SealError, sealEvent, type SealKey } from './sealed-event.js'
import type { Signer } from './signing.js'
import type { Bytes32, Event } from './types.js'

/** What reading a record gave: an event to use, a record kept until a key comes, or one of another control plane. */
export type ReadRecord = { kind: 'event'; event: Event } | { kind: 'held' } | { kind: 'foreign' }

export class ControlPlaneKeyring {
  private masterKey: Bytes32 | undefined
  private readonly keys = new Map<bigint, Promise<SealKey>>()
  private readonly unopened: Uint8Array[] = []

  /** `holdLimit`: sealed records kept while there is no key; the oldest go first. */
  constructor(
    readonly world: Bytes32,
    private readonly holdLimit = 2_000,
  ) {}

  /** Takes (or changes) the master key; returns the records held so far, for the caller to read again. */
  join(masterKey: Bytes32): Uint8Array[] {
    if (masterKey.length !== 32) throw new SealError('bad-key', `a control-plane key is 32 bytes, got ${masterKey.length}`)
    this.masterKey = masterKey.slice()
    this.keys.clear()
    return this.unopened.splice(0)
  }

  /** Seals an event this peer signed (see `sealEvent`); throws `SealError('unknown-seal')` without a key. */
  async seal(event: Event, signer: Signer): Promise<Uint8Array> {
    return sealEvent(event, await this.keyFor(event.epochId), signer)
  }

  /**
   * A stored record (already validated by the log) as the router should see
   * it. Throws `SealError` for a record of this control plane that does not
   * open: a member forged or broke it.
   */
  async read(record: Uint8Array): Promise<ReadRecord> {
    if (!isSealedRecord(record)) return { kind: 'event', event: decodeEvent(record) }
    if (!this.masterKey) {
      this.unopened.push(record)
      this.unopened.splice(0, Math.max(0, this.unopened.length - this.holdLimit))
      return { kind: 'held' }
    }
    const sealed = decodeSealedRecord(record)
    const key = await this.keyFor(sealed.epochId)
    // Another control plane's record: not ours to read, and not a fault.
    if (!equalBytes(sealed.sealId, key.sealId)) return { kind: 'foreign' }
    return { kind: 'event', event: await openSealedEvent(sealed, key) }
  }

  private keyFor(epochId: bigint): Promise<SealKey> {
    if (!this.masterKey) return Promise.reject(new SealError('unknown-seal', 'not in the control plane: there is no key to seal or open with'))
    let key = this.keys.get(epochId)
    if (!key) {
      key = deriveSealKey(this.masterKey, this.world, epochId)
      this.keys.set(epochId, key)
    }
    return key
  }
}
