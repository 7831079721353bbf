/**
 * Onion circuits through real relay processes, from a Node client speaking
 * the relays' own circuit code: building and extending, an unreachable next
 * hop, hostile bytes on the circuit protocol, and a hop killed mid-circuit.
 * Relays must answer with typed errors, count them, and keep serving.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CircuitError, circuitSettingsFor, createSigner, createWorld, defaultRuleBundle, type ClientCircuit } from '../../core/index.js'
import { CIRCUIT_PROTOCOL, CircuitLinks, nodeConnector } from '../../relay-server/circuit-links.js'
import { startMeshClient, type MeshClient } from './support/mesh-client.js'
import { cleanupRelays, startRelay, until, type RelayProcess } from './support/relay-process.js'

let a: RelayProcess
let b: RelayProcess
let client: MeshClient
let links: CircuitLinks

const keyOf = (peerId: string) => peerIdFromString(peerId).publicKey!.raw

async function build(path: { peerId: string; hint?: string }[]): Promise<ClientCircuit> {
  const mux = await links.clientMux(peerIdFromString(path[0]!.peerId))
  return links.client.build(mux, path.map((h) => ({ publicKey: keyOf(h.peerId), contactHint: h.hint ?? h.peerId })))
}

const circuitErrors = async (relay: RelayProcess) =>
  [...(await relay.metrics()).matchAll(/terrain_onion_circuit_errors_total\{code="([^"]+)"\} (\d+)/g)].reduce((n, m) => n + Number(m[2]), 0)

beforeAll(async () => {
  a = await startRelay()
  b = await startRelay({ bootstrap: [a.multiaddr] })
  await until('relays connected', async () => ((await a.health()).peers >= 1 ? true : undefined))
  client = await startMeshClient(await createWorld('quiet harbor lantern'))
  await client.dial(a.multiaddr)
  await client.dial(b.multiaddr)
  const key = await generateKeyPair('Ed25519')
  links = await CircuitLinks.start(client.node, {
    identity: await createSigner(key.raw.subarray(0, 32)),
    settings: circuitSettingsFor(defaultRuleBundle, { buildTimeoutMs: 10_000 }),
    connect: nodeConnector(client.node),
  })
}, 60_000)

afterAll(async () => {
  await links?.stop()
  await client?.stop()
  await cleanupRelays()
})

describe('circuits through relay processes', () => {
  it('builds a circuit through one relay and extends it to the next', async () => {
    const circuit = await build([{ peerId: a.peerId }, { peerId: b.peerId, hint: b.multiaddr }])
    expect(circuit.state).toBe('open')
    expect(circuit.hops).toBe(2)
    // B serves no model: a stream opened there is refused, with a reason, and the circuit survives.
    const stream = circuit.openStream('inference/1')
    stream.end()
    const drained = (async () => {
      for await (const chunk of stream) void chunk
    })()
    await expect(drained).rejects.toMatchObject({ code: 'circuit/stream-reset', message: expect.stringContaining('not-a-provider') })
    expect(circuit.state).toBe('open')
    circuit.destroy()
  })

  it('reports an extend to an unreachable hop as a typed error, and the relay keeps serving', async () => {
    const unreachable = await generateKeyPair('Ed25519')
    const mux = await links.clientMux(peerIdFromString(a.peerId))
    const failure = await links.client
      .build(mux, [
        { publicKey: keyOf(a.peerId), contactHint: a.peerId },
        { publicKey: unreachable.publicKey.raw, contactHint: '/ip4/127.0.0.1/tcp/9/ws' },
      ])
      .then(() => undefined, (e: unknown) => e)
    expect(failure).toBeInstanceOf(CircuitError)
    expect((failure as CircuitError).code).toBe('circuit/extend-failed')
    const again = await build([{ peerId: a.peerId }, { peerId: b.peerId }])
    expect(again.state).toBe('open')
    again.destroy()
  })

  it('counts hostile bytes on the circuit protocol as typed errors and keeps serving', async () => {
    const before = await circuitErrors(a)
    const connection = await client.node.dial(multiaddr(a.multiaddr))
    const stream = await connection.newStream(CIRCUIT_PROTOCOL)
    const junk = new Uint8Array(1024).map((_, i) => (i * 73 + 11) & 0xff)
    stream.send(junk) // an unknown command on an unknown circuit
    const relayCell = new Uint8Array(1024)
    relayCell.set([0x00, 0x00, 0x00, 0x07, 3]) // RELAY on a circuit never created
    stream.send(relayCell)
    stream.send(new Uint8Array(300)) // a truncated cell, then the stream ends
    await stream.close()
    await until('the relay to count the bad cells', async () => ((await circuitErrors(a)) >= before + 2 ? true : undefined))
    const circuit = await build([{ peerId: a.peerId }, { peerId: b.peerId }])
    expect(circuit.state).toBe('open')
    circuit.destroy()
    expect((await a.health()).status).toBe('ok')
  })

  it('tears a circuit down with a typed error when a hop is killed mid-circuit', async () => {
    const circuit = await build([{ peerId: a.peerId }, { peerId: b.peerId }])
    await b.kill('SIGKILL')
    await until('the circuit to close', async () => (circuit.state === 'closed' ? true : undefined), 20_000)
    expect(circuit.closedBy).toBeInstanceOf(CircuitError)
    expect((await a.health()).status).toBe('ok')
  })
})
