/**
 * Server-sent events (the WHATWG event-stream format) from a byte stream:
 * yields the data of each event, joining multi-line data with '\n' and
 * skipping comments and fields other than `data`. Chunk boundaries may fall
 * anywhere, CRLF and CR line ends included.
 */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  const reader = body.getReader()
  let buffer = ''
  let data: string[] = []
  let finished = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true })
      // A CR at the end of a chunk may be the first half of a CRLF: leave it for the next chunk.
      const cut = !done && buffer.endsWith('\r') ? buffer.length - 1 : buffer.length
      const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/)
      // The last piece is an unfinished line (or '' after a line end).
      buffer = done ? '' : lines.pop()! + buffer.slice(cut)
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) yield data.join('\n')
          data = []
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line[5] === ' ' ? 6 : 5))
        }
      }
      if (done) {
        finished = true
        return
      }
    }
  } finally {
    // A consumer that stops early must not leave the connection open.
    if (!finished) await reader.cancel().catch(() => undefined)
    reader.releaseLock()
  }
}
