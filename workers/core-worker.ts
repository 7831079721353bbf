/**
 * The protocol core in a dedicated module worker, so hashing and signing never
 * block the page. The page talks to it through Comlink.
 */
import * as Comlink from 'comlink'
import { defaultRuleBundle, deriveWorldId, getEd25519, toHex } from '../core/index.js'
import { keepErrorCodesAcrossComlink } from './error-transfer.js'

const api = {
  /** The hex WorldId of `phrase` under the default rules; rejects with a `WorldPhraseError` for a bad phrase. */
  async worldId(phrase: string): Promise<string> {
    return toHex(await deriveWorldId(phrase, defaultRuleBundle))
  },

  /** Which Ed25519 implementation this runtime gets: 'webcrypto' or 'noble'. */
  async ed25519Backend(): Promise<string> {
    return (await getEd25519()).name
  },
}

export type CoreWorkerApi = typeof api

keepErrorCodesAcrossComlink()
Comlink.expose(api)
