import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { expect, it } from 'vitest'
import { webrtcInitChannelFix } from '../../web/build/webrtc-init-channel-fix.js'

const require = createRequire(import.meta.url)
const file = join(dirname(require.resolve('@libp2p/webrtc')), 'private-to-private', 'initiate-connection.js')

it('patches the installed @libp2p/webrtc init-channel wait, and only that file', () => {
  const plugin = webrtcInitChannelFix()
  const transform = plugin.transform as (this: { error(m: string): never }, code: string, id: string) => { code: string } | null
  const context = { error: (m: string): never => { throw new Error(m) } }
  const source = readFileSync(file, 'utf8')
  const patched = transform.call(context, source, file)
  expect(patched?.code).toContain("await pEvent(channel, ['open', 'close'], { signal })")
  expect(patched?.code).not.toContain("await pEvent(channel, 'open', {")
  expect(transform.call(context, source, '/elsewhere/initiate-connection.js')).toBeNull()
  expect(() => transform.call(context, 'changed upstream', file)).toThrow(/re-check/)
})
