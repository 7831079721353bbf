/** An append the store acknowledged survives SIGKILL of the process that made it. */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { LevelEventStore } from '../../relay-server/level-event-store.js'

it('keeps every acknowledged append after kill -9', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terrain-durability-'))
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/append-until-killed.ts', import.meta.url).pathname, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let lastAck = -1
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject)
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.startsWith('ack ')) lastAck = Number(line.slice(4))
        if (lastAck >= 200 && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL')
          resolve()
        }
      })
    })
    await new Promise((resolve) => child.on('exit', resolve))
    expect(child.signalCode).toBe('SIGKILL')

    const store = await LevelEventStore.open(dir)
    const count = await store.count()
    expect(count).toBeGreaterThanOrEqual(lastAck + 1)
    const [vector] = await store.versionVector()
    expect(vector!.counter).toBeGreaterThanOrEqual(BigInt(lastAck + 1))
    for (let i = 0; i <= lastAck; i += 17) {
      const id = new Uint8Array(32)
      new DataView(id.buffer).setUint32(0, i)
      expect(await store.has(id)).toBe(true)
    }
    await store.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
