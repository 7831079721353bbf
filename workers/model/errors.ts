/** The typed errors of the model runtime, built-in model loading and forwarding; each `code` is stable. */
import { TerrainError } from '../../core/errors.js'

export type ModelErrorCode =
  /** The bytes are not an ONNX model (or a truncated one). */
  | 'not-onnx'
  /** An ONNX model, but not with the inputs and outputs the runtime drives (see runtime.ts). */
  | 'model-signature'
  /** The runtime could not allocate memory for the model or a step. */
  | 'out-of-memory'
  /** WebGPU was demanded and this runtime has no adapter (or the WebGPU session failed). */
  | 'webgpu-unavailable'
  /** Any other failure to create the inference session. */
  | 'load-failed'
  /** The prompt does not fit the model's context. */
  | 'context-overflow'
  /** Generation options out of range. */
  | 'invalid-generate-options'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** A model manifest that does not parse or lacks fields. */
  | 'bad-manifest'
  /** No built-in model of that id. */
  | 'unknown-model'
  /** Downloading model bytes failed (HTTP status or network). */
  | 'fetch-failed'
  /** Downloaded bytes do not match the digest the manifest promises. */
  | 'digest-mismatch'

export class ModelError extends TerrainError {
  declare readonly code: ModelErrorCode
  constructor(code: ModelErrorCode, message: string) {
    super(code, message)
  }
}
