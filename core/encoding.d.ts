/**
 * The WHATWG Encoding API is a global in every runtime `core/` targets
 * (browsers, workers, Node); declared here so `core/` needs neither DOM nor Node types.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean })
  decode(input?: Uint8Array): string
}
