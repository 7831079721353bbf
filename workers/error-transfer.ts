/**
 * Comlink sends a thrown Error across the worker boundary as only
 * `{ message, name, stack }`, so the stable `code` of a `TerrainError` is lost.
 * This keeps it: the page side already copies every serialised field back onto
 * the Error it rethrows, so only the throwing side needs this.
 */
import * as Comlink from 'comlink'

interface SerializedThrow {
  isError: boolean
  value: Record<string, unknown>
}

/** Make Comlink carry an error's string `code` along with its message and name. */
export function keepErrorCodesAcrossComlink(): void {
  const builtIn = Comlink.transferHandlers.get('throw')
  if (!builtIn) throw new Error('comlink has no "throw" transfer handler to extend')
  Comlink.transferHandlers.set('throw', {
    canHandle: builtIn.canHandle,
    serialize(thrown) {
      const [serialized, transferables] = builtIn.serialize(thrown) as [SerializedThrow, Transferable[]]
      const error = (thrown as { value: unknown }).value
      if (serialized.isError && error instanceof Error && 'code' in error && typeof error.code === 'string') {
        serialized.value.code = error.code
      }
      return [serialized, transferables]
    },
    deserialize: builtIn.deserialize,
  })
}
