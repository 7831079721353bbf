/**
 * Runs the real model server (`relay-server/model-server/main.ts`) as a child
 * process: any free port, readiness from its ready line, cleanup by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process'

const REPO = new URL('../../../', import.meta.url).pathname
const READY = 'terrain model-server listening on '

export interface ModelServerProcess {
  url: string
  /** The ready line's fields after the URL: model, backend, blake3. */
  model: string
  blake3: string
  stop(): Promise<void>
}

export async function startModelServer(model = 'terrain-tiny'): Promise<ModelServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'relay-server/model-server/main.ts', '--port', '0', '--model', model], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let output = ''
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the model server did not start in time:\n${output}`)), 30_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const ready = output.split('\n').find((l) => l.startsWith(READY))
      if (ready) {
        clearTimeout(timer)
        resolve(ready)
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`the model server exited before listening:\n${output}`))
    })
  })
  const [url, , served, , , , blake3] = line.slice(READY.length).split(' ')
  return {
    url: url!,
    model: served!,
    blake3: blake3!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL')
      await exited
    },
  }
}
