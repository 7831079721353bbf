import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sseData } from '../../workers/model/sse.js'

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk))
      controller.close()
    },
  })
}

async function collect(chunks: string[]): Promise<string[]> {
  const out: string[] = []
  for await (const data of sseData(streamOf(chunks))) out.push(data)
  return out
}

/** Cuts `text` at the given offsets (UTF-8 code units are not split: the decoder streams). */
function cut(text: string, offsets: number[]): string[] {
  const points = [...new Set(offsets.map((o) => o % (text.length + 1)))].sort((a, b) => a - b)
  const pieces: string[] = []
  let last = 0
  for (const p of points) {
    pieces.push(text.slice(last, p))
    last = p
  }
  pieces.push(text.slice(last))
  return pieces
}

describe('server-sent events', () => {
  it('yields each event\u2019s data, joining data lines, skipping comments and other fields', async () => {
    const text = ': keep-alive\n\ndata: {"a":1}\n\nevent: x\nid: 3\ndata:first\ndata: second\n\ndata: [DONE]\n\n'
    expect(await collect([text])).toEqual(['{"a":1}', 'first\nsecond', '[DONE]'])
  })

  it('gives the same events however the stream is chunked and whatever the line ends', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('\n', '\r\n', '\r'), fc.array(fc.nat(200), { maxLength: 8 }), async (eol, offsets) => {
        const text = ['data: é1', '', 'data: two', 'data: lines', '', ': c', 'data: [DONE]', '', ''].join(eol)
        expect(await collect(cut(text, offsets))).toEqual(['é1', 'two\nlines', '[DONE]'])
      }),
    )
  })

  it('drops an event the stream ends in the middle of', async () => {
    expect(await collect(['data: whole\n\ndata: cut off'])).toEqual(['whole'])
  })
})
