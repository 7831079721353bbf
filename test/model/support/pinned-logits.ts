/**
 * One greedy run of terrain-tiny pinned by the BLAKE3 of all its step logits
 * (float32 bytes in order). Node's and Chromium's onnxruntime-web WASM builds
 * must both give exactly these, so a verifier can re-run a browser
 * provider's steps in Node. Retraining the model changes both digests.
 */
import { blake3, toHex } from '../../../core/index.js'

export const PINNED_LOGITS = {
  model: 'terrain-tiny',
  modelBlake3: 'd126bde99c25d7344cf1571915048ae38cd16a360979706587fbf966bc3b6279',
  prompt: 'json: name=ab age=7\n=',
  text: '{"name":"ab","age":7}',
  logitsBlake3: '0a6504f261c6142835cd719f0a47f7a584c620419459c036cb8adc041b35ce30',
}

export async function logitsDigest(logits: Float32Array[]): Promise<string> {
  return toHex(await blake3(...logits.map((l) => new Uint8Array(l.buffer, l.byteOffset, l.byteLength))))
}
