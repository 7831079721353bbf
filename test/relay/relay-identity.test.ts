import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, expect, it } from 'vitest'
import { loadOrCreatePeerKey, PEER_KEY_FILE, RelayIdentityError } from '../../relay-server/identity.js'

const base = mkdtempSync(join(tmpdir(), 'terrain-identity-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))

it('creates an Ed25519 key once, readable only by its owner, and loads the same key after', async () => {
  const dir = join(base, 'nested', 'relay')
  const first = await loadOrCreatePeerKey(dir)
  expect(first.type).toBe('Ed25519')
  expect(statSync(join(dir, PEER_KEY_FILE)).mode & 0o777).toBe(0o600)
  const bytes = readFileSync(join(dir, PEER_KEY_FILE))
  const second = await loadOrCreatePeerKey(dir)
  expect(peerIdFromPrivateKey(second).toString()).toBe(peerIdFromPrivateKey(first).toString())
  expect(readFileSync(join(dir, PEER_KEY_FILE))).toEqual(bytes)
})

it('refuses to replace an unreadable key', async () => {
  const dir = join(base, 'corrupt')
  await loadOrCreatePeerKey(dir)
  writeFileSync(join(dir, PEER_KEY_FILE), 'not a key')
  await expect(loadOrCreatePeerKey(dir)).rejects.toBeInstanceOf(RelayIdentityError)
  expect(readFileSync(join(dir, PEER_KEY_FILE), 'utf8')).toBe('not a key')
})
