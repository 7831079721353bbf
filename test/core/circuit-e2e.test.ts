/** A client and three hops in memory: building, streaming, privacy, and every way a circuit can break. */
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import {
  CELL_HEADER_BYTES,
  CircuitError,
  encodeCell,
  maxRelayData,
  toHex,
  utf8,
  writeCellHeader,
  type ClientCircuit,
} from '../../core/index.js'
import { CLIENT, CircuitTestbed, echoExit, readAll, rejection, settle } from './circuit-harness.js'

/** Client → A → B → C, C an echo exit. */
async function threeHops(settings = {}) {
  const bed = new CircuitTestbed(settings)
  await bed.addHop('A')
  await bed.addHop('B')
  await bed.addHop('C', { exit: echoExit })
  const client = await bed.client()
  const clientErrors: CircuitError[] = []
  const mux = await bed.clientMux('A', (e) => clientErrors.push(e))
  const build = () => client.build(mux, bed.path('A', 'B', 'C'))
  return { bed, client, mux, build, clientErrors }
}

async function echo(circuit: ClientCircuit, message: Uint8Array): Promise<Uint8Array> {
  const stream = circuit.openStream('echo')
  const reply = readAll(stream)
  stream.write(message)
  stream.end()
  return reply
}

const random = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17 + (i >> 7)) & 0xff)

describe('circuits over three hops', () => {
  it('builds, and bytes round-trip through the exit', async () => {
    const { build, bed } = await threeHops()
    const circuit = await build()
    expect(circuit.state).toBe('open')
    expect(circuit.hops).toBe(3)
    expect(toHex(await echo(circuit, utf8('hello exit')))).toBe(toHex(utf8('hello exit')))
    for (const name of ['A', 'B', 'C']) expect(bed.hop(name).hop.circuitCount).toBe(1)
  })

  it('splits large messages across cells and keeps their order', async () => {
    const { build, bed } = await threeHops()
    const circuit = await build()
    const big = random(100_000)
    expect(toHex(await echo(circuit, big))).toBe(toHex(big))
    const dataCells = Math.ceil(big.length / maxRelayData(bed.settings.cellBytes))
    expect(bed.cellsBetween(CLIENT, 'A').length).toBeGreaterThan(2 * dataCells)
  })

  it('carries many streams and many circuits over one channel', async () => {
    const { build } = await threeHops()
    const circuits = await Promise.all(Array.from({ length: 8 }, () => build()))
    expect(new Set(circuits.map((c) => c.circuitId)).size).toBe(8)
    const replies = await Promise.all(
      circuits.flatMap((circuit, c) => Array.from({ length: 6 }, (_, s) => echo(circuit, random(3000 + s * 700, c * 10 + s)).then((r) => [r, c * 10 + s] as const))),
    )
    for (const [reply, seed] of replies) expect(toHex(reply)).toBe(toHex(random(reply.length, seed)))
  })

  it('puts only cells of exactly the cell size on every link', async () => {
    const { build, bed } = await threeHops({ cellBytes: 512 })
    const circuit = await build()
    await echo(circuit, random(5000))
    circuit.destroy()
    await settle()
    expect(bed.cells.length).toBeGreaterThan(40)
    for (const { cell } of bed.cells) expect(cell.length).toBe(512)
    for (const [a, b] of [[CLIENT, 'A'], ['A', 'B'], ['B', 'C']] as const) expect(bed.cellsBetween(a, b).length).toBeGreaterThan(0)
  })

  it('packs what an end sends in one turn: a request and its answer take one cell each way on every link', async () => {
    const { build, bed } = await threeHops()
    const circuit = await build()
    await settle()
    const before = bed.cells.length
    const stream = circuit.openStream('answer')
    const reply = readAll(stream)
    stream.write(utf8('what is 2+2?'))
    stream.end()
    expect(new TextDecoder().decode(await reply)).toBe('what is 2+2?')
    await settle()
    const request = bed.cells.slice(before)
    for (const [a, b] of [[CLIENT, 'A'], ['A', 'B'], ['B', 'C']] as const) {
      const link = request.filter((c) => (c.from === a && c.to === b) || (c.from === b && c.to === a))
      // BEGIN, DATA and END in one cell; the echo's DATA, then its END once the request has ended.
      expect(link.filter((c) => c.from === a).length).toBe(1)
      expect(link.filter((c) => c.from === b).length).toBeLessThanOrEqual(2)
    }
  })

  it('lets each hop learn only its neighbours; application bytes appear in the clear only at the exit', async () => {
    const { build, bed } = await threeHops()
    const circuit = await build()
    const secret = utf8('the prompt nobody but the exit may read')
    expect(toHex(await echo(circuit, secret))).toBe(toHex(secret))
    const [a, b, c] = ['A', 'B', 'C'].map((n) => bed.hop(n))
    const peersSeen = (hop: typeof a) => new Set(hop!.observations.flatMap((o) => [o.previousPeer, o.nextPeer]).filter((p) => p !== undefined))
    expect(peersSeen(a)).toEqual(new Set([CLIENT, 'B']))
    expect(peersSeen(b)).toEqual(new Set(['A', 'C']))
    expect(peersSeen(c)).toEqual(new Set(['B']))
    // The entry learns the middle's key (it extends to it), never the exit's.
    const keysNamed = (hop: typeof a) => hop!.observations.filter((o) => o.extendTo).map((o) => toHex(o.extendTo!))
    expect(keysNamed(a)).toEqual([toHex(b!.publicKey)])
    expect(keysNamed(b)).toEqual([toHex(c!.publicKey)])
    for (const hop of [a, b]) expect(hop!.observations.every((o) => o.applicationBytes === 0 && !o.event.startsWith('exit'))).toBe(true)
    expect(c!.observations.filter((o) => o.event === 'exit-data').reduce((n, o) => n + o.applicationBytes, 0)).toBe(secret.length)
    // No link ever carries the plaintext, nor the exit's key.
    const hex = (b: Uint8Array) => toHex(b)
    for (const { cell } of bed.cells) {
      expect(hex(cell)).not.toContain(hex(secret.subarray(0, 12)))
      expect(hex(cell)).not.toContain(hex(c!.publicKey))
    }
  })
})

describe('a broken circuit fails closed', () => {
  it('a bit flipped in a forward body is caught at the end of the path, and the circuit is torn down everywhere', async () => {
    for (const target of [0, 100, 1010]) {
      const { build, bed } = await threeHops()
      const circuit = await build()
      const stream = circuit.openStream()
      const cellsBefore = bed.cellsBetween(CLIENT, 'A').length
      await settle()
      // Flip one bit of the next forward cell on the wire between A and B.
      const linkAB = bed.links.get('A->B')!
      const original = linkAB.a.send.bind(linkAB.a)
      linkAB.a.send = (cell) => {
        cell[CELL_HEADER_BYTES + target]! ^= 0x10
        linkAB.a.send = original
        return original(cell)
      }
      stream.write(utf8('flip me'))
      const error = await rejection(readAll(stream))
      expect(error.code).toBe('circuit/destroyed')
      expect(error.reason).toBe('tampered')
      expect(bed.hop('C').errors.map((e) => e.code)).toEqual(['circuit/tampered'])
      await settle()
      for (const name of ['A', 'B', 'C']) expect(bed.hop(name).hop.circuitCount).toBe(0)
      expect(circuit.state).toBe('closed')
      expect(bed.cellsBetween(CLIENT, 'A').length).toBeGreaterThan(cellsBefore)
    }
  })

  it('a bit flipped in a backward body is caught by the client', async () => {
    const { build, bed } = await threeHops()
    const circuit = await build()
    const linkClientA = bed.links.get(`${CLIENT}->A`)!
    const original = linkClientA.b.send.bind(linkClientA.b)
    linkClientA.b.send = (cell) => {
      cell[cell.length - 1]! ^= 1
      return original(cell)
    }
    const error = await rejection(echo(circuit, utf8('hi')))
    expect(error.code).toBe('circuit/tampered')
    expect(circuit.closedBy?.code).toBe('circuit/tampered')
    await settle()
    for (const name of ['A', 'B', 'C']) expect(bed.hop(name).hop.circuitCount).toBe(0)
  })

  it('a replayed or reordered relay cell is a replay error and ends the circuit', async () => {
    for (const fault of ['replay', 'reorder'] as const) {
      const { build, bed } = await threeHops()
      const circuit = await build()
      const other = await build()
      const stream = circuit.openStream()
      await settle()
      const link = bed.links.get(`${CLIENT}->A`)!
      const sent = bed.cellsBetween(CLIENT, 'A').filter((c) => c.from === CLIENT)
      const last = sent[sent.length - 1]!.cell
      if (fault === 'replay') link.a.send(last.slice())
      else {
        const skipped = last.slice()
        writeCellHeader(skipped, circuit.circuitId, 'relay', 99)
        link.a.send(skipped)
      }
      const error = await rejection(readAll(stream))
      expect(error.code).toBe('circuit/destroyed')
      expect(error.reason).toBe('replay')
      expect(bed.hop('A').errors.map((e) => e.code)).toEqual(['circuit/replay'])
      // Another circuit on the same channel is untouched.
      expect(toHex(await echo(other, utf8('still here')))).toBe(toHex(utf8('still here')))
    }
  })

  it('truncated and oversized cells are bad-length errors; the hop keeps serving', async () => {
    const { build, bed } = await threeHops()
    const circuit = await build()
    const link = bed.links.get(`${CLIENT}->A`)!
    link.a.send(new Uint8Array(100))
    link.a.send(new Uint8Array(bed.settings.cellBytes + 1))
    link.a.send(new Uint8Array(0))
    await settle()
    expect(bed.hop('A').errors.map((e) => e.code)).toEqual(['circuit/bad-cell-length', 'circuit/bad-cell-length', 'circuit/bad-cell-length'])
    expect(toHex(await echo(circuit, utf8('fine')))).toBe(toHex(utf8('fine')))
  })

  it('a truncated cell naming a circuit ends that circuit', async () => {
    const { build, bed } = await threeHops()
    const circuit = await build()
    const truncated = encodeCell(bed.settings.cellBytes, { circuitId: circuit.circuitId, command: 'relay', seq: 0 }).subarray(0, 200)
    bed.links.get(`${CLIENT}->A`)!.a.send(truncated.slice())
    await settle()
    expect(circuit.closedBy?.reason).toBe('protocol')
    expect(bed.hop('A').hop.circuitCount).toBe(0)
  })

  it('a cell for an unknown circuit is an error answered with DESTROY', async () => {
    const { build, bed, clientErrors } = await threeHops()
    await build()
    const stray = encodeCell(bed.settings.cellBytes, { circuitId: 0x8000_7777, command: 'relay', seq: 0 })
    bed.links.get(`${CLIENT}->A`)!.a.send(stray)
    await settle()
    expect(bed.hop('A').errors.map((e) => e.code)).toEqual(['circuit/unknown-circuit'])
    const reply = bed.cellsBetween(CLIENT, 'A').at(-1)!
    expect(reply.from).toBe('A')
    expect(reply.cell[4]).toBe(4) // DESTROY
    expect(clientErrors).toEqual([]) // a DESTROY for a circuit nobody has is ignored quietly
  })

  it('an unknown link command is an error and ends the circuit it names', async () => {
    const { build, bed } = await threeHops()
    const circuit = await build()
    const other = await build()
    const cell = encodeCell(bed.settings.cellBytes, { circuitId: circuit.circuitId, command: 'relay', seq: 0 })
    cell[4] = 0x2a
    bed.links.get(`${CLIENT}->A`)!.a.send(cell)
    await settle()
    expect(bed.hop('A').errors.map((e) => e.code)).toEqual(['circuit/unknown-command'])
    expect(circuit.state).toBe('closed')
    expect(other.state).toBe('open')
  })

  it('an EXTEND to an unreachable hop surfaces as extend-failed at the client', async () => {
    const { bed, client, mux } = await threeHops()
    bed.unreachable.add('C')
    const error = await rejection(client.build(mux, bed.path('A', 'B', 'C')))
    expect(error).toBeInstanceOf(CircuitError)
    expect(error.code).toBe('circuit/extend-failed')
    expect(error.reason).toBe('unreachable')
    await settle()
    for (const name of ['A', 'B', 'C']) expect(bed.hop(name).hop.circuitCount).toBe(0)
  })

  it('an EXTEND the next hop does not answer times out as extend-failed', async () => {
    const bed = new CircuitTestbed({ buildTimeoutMs: 10_000 })
    await bed.addHop('A', { settings: { buildTimeoutMs: 3_000 } })
    await bed.addHop('B')
    bed.link('A', 'B').blackhole()
    const building = (await bed.client()).build(await bed.clientMux('A'), bed.path('A', 'B'))
    await vi.waitFor(() => expect(bed.hop('A').observations.map((o) => o.event)).toContain('extend'))
    bed.scheduler.advance(3_000)
    const error = await rejection(building)
    expect(error.code).toBe('circuit/extend-failed')
    expect(error.reason).toBe('timeout')
  })

  it('a hop that vanishes mid-stream: its neighbours tear the circuit down and the client stream fails; other circuits live on', async () => {
    const { bed, build, client } = await threeHops()
    await bed.addHop('D', { exit: echoExit })
    const circuit = await build()
    const unaffected = await client.build(await bed.clientMux('D'), bed.path('D'))
    const stream = circuit.openStream()
    stream.write(utf8('part one'))
    await settle()
    for (const [key, link] of bed.links) if (key.includes('B')) link.sever()
    const error = await rejection(readAll(stream))
    expect(error.code).toBe('circuit/destroyed')
    expect(error.reason).toBe('channel-closed')
    expect(toHex(await echo(unaffected, utf8('fine')))).toBe(toHex(utf8('fine')))
  })

  it('a hop that goes silent: the circuit times out within the idle timeout, an active circuit elsewhere does not', async () => {
    const { bed, build, client } = await threeHops({ idleTimeoutMs: 10_000 })
    await bed.addHop('D', { exit: echoExit })
    const circuit = await build()
    const active = await client.build(await bed.clientMux('D'), bed.path('D'))
    const stream = circuit.openStream()
    await settle()
    bed.links.get('B->C')!.blackhole()
    bed.links.get('A->B')!.blackhole()
    stream.write(utf8('anyone there?'))
    const failed = rejection(readAll(stream))
    await settle() // the write leaves (and reaches A) before the clock moves
    for (let t = 0; t < 10; t++) {
      bed.scheduler.advance(1_000)
      await echo(active, utf8('tick'))
    }
    const error = await failed
    expect(['circuit/timeout', 'circuit/destroyed']).toContain(error.code)
    expect(active.state).toBe('open')
    expect(circuit.state).toBe('closed')
  })

  it('a CREATED signed by another key is rejected as a bad handshake', async () => {
    const { bed, client } = await threeHops()
    const impostor = await bed.addHop('impostor')
    const mux = await bed.clientMux('impostor')
    // The client expects A's key but reaches the impostor.
    const error = await rejection(client.build(mux, [{ publicKey: bed.hop('A').publicKey, contactHint: '' }]))
    expect(error.code).toBe('circuit/bad-handshake')
    await settle()
    expect(impostor.hop.circuitCount).toBe(0)
  })

  it('a hop that extends to another peer than the one named cannot pass its CREATED off as the named hop', async () => {
    const { bed, client, mux } = await threeHops()
    bed.checkDialedKeys = false
    // The client names B's key; A's dialer (misled by the hint, or malicious) reaches C, whose CREATED is C's.
    const error = await rejection(client.build(mux, [bed.path('A')[0]!, { publicKey: bed.hop('B').publicKey, contactHint: 'C' }]))
    expect(error.code).toBe('circuit/bad-handshake')
  })

  it('an idle circuit is torn down at every hop', async () => {
    const { bed, build } = await threeHops({ idleTimeoutMs: 60_000 })
    const circuit = await build()
    bed.scheduler.advance(59_000)
    await settle()
    expect(circuit.state).toBe('open')
    bed.scheduler.advance(1_000)
    await settle()
    expect(circuit.state).toBe('closed')
    expect(circuit.closedBy?.code).toBe('circuit/timeout')
    for (const name of ['A', 'B', 'C']) expect(bed.hop(name).hop.circuitCount).toBe(0)
  })

  it('a build that does not finish in time fails with a timeout', async () => {
    const { bed, build } = await threeHops({ buildTimeoutMs: 2_000 })
    bed.links.get(`${CLIENT}->A`)!.blackhole()
    const building = build()
    bed.scheduler.advance(2_000)
    expect((await rejection(building)).code).toBe('circuit/timeout')
  })
})

describe('hostile bytes', () => {
  it('random cells, some aimed at an open circuit, never escape a hop, and it goes on building and serving circuits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.uint8Array({ minLength: 1024, maxLength: 1024 }), fc.boolean(), fc.integer({ min: 1, max: 4 })), { maxLength: 12 }), async (cells) => {
        const { build, bed } = await threeHops()
        const victim = await build()
        const link = bed.links.get(`${CLIENT}->A`)!
        for (const [cell, aimed, command] of cells) {
          if (aimed) {
            new DataView(cell.buffer).setUint32(0, victim.circuitId)
            cell[4] = command
          }
          link.a.send(cell)
        }
        await settle()
        for (const e of bed.hop('A').errors) expect(e).toBeInstanceOf(CircuitError)
        expect(toHex(await echo(await build(), utf8('still serving')))).toBe(toHex(utf8('still serving')))
      }),
      { numRuns: 25 },
    )
  })
})

describe('limits', () => {
  it('a hop refuses circuits beyond its per-channel and global limits', async () => {
    const { bed, build } = await threeHops({ maxCircuitsPerChannel: 2 })
    await build()
    await build()
    const error = await rejection(build())
    expect(error.code).toBe('circuit/too-many-circuits')

    const small = new CircuitTestbed()
    await small.addHop('X', { settings: { maxCircuits: 1 } })
    const client = await small.client()
    await client.build(await small.clientMux('X'), small.path('X'))
    const refused = await rejection(client.build(await small.clientMux('X'), small.path('X')))
    expect(refused.code).toBe('circuit/destroyed')
    expect(refused.reason).toBe('resource-limit')
    expect(small.hop('X').errors.map((e) => e.code)).toEqual(['circuit/too-many-circuits'])
    expect(bed.hop('A').hop.circuitCount).toBe(2)
  })

  it('streams beyond the limit are refused at the client', async () => {
    const { build } = await threeHops({ maxStreamsPerCircuit: 2 })
    const circuit = await build()
    circuit.openStream()
    circuit.openStream()
    expect(() => circuit.openStream()).toThrow(expect.objectContaining({ code: 'circuit/too-many-streams' }))
  })

  it('a BEGIN at a hop without an exit is ended with a reason', async () => {
    const { bed, client } = await threeHops()
    const circuit = await client.build(await bed.clientMux('A'), bed.path('A', 'B'))
    const error = await rejection(readAll(circuit.openStream()))
    expect(error.code).toBe('circuit/stream-reset')
    expect(error.reason).toBe('no-exit')
    expect(circuit.state).toBe('open')
  })
})
