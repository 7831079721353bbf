/** Onion circuits: the cell format, the handshake, the layers, and the client and hop state machines. */
export { CircuitError, type CircuitErrorCode } from './errors.js'
export {
  circuitSettingsFor,
  createCircuitSettings,
  defaultCircuitSettings,
  validateCircuitSettings,
  type CircuitSettings,
} from './settings.js'
export {
  CELL_HEADER_BYTES,
  CREATED_BODY_BYTES,
  DESTROY_REASONS,
  LINK_COMMANDS,
  X25519_KEY_BYTES,
  cellBody,
  decodeCreate,
  decodeCreated,
  decodeDestroy,
  encodeCell,
  encodeCreate,
  encodeCreated,
  encodeDestroy,
  readCellHeader,
  writeCellHeader,
  type CellHeader,
  type CreatedBody,
  type DestroyReason,
  type LinkCommand,
} from './cell.js'
export {
  AEAD_TAG_BYTES,
  EXTEND_FAILURES,
  RELAY_COMMANDS,
  RELAY_HEADER_BYTES,
  decodeExtend,
  decodeExtendFailed,
  decodeExtended,
  decodeRelayMessages,
  encodeExtend,
  encodeExtendFailed,
  encodeExtended,
  encodeRelayMessages,
  maxRelayData,
  relayPlaintextBytes,
  type ExtendFailure,
  type ExtendRequest,
  type RelayCommand,
  type RelayMessage,
} from './relay-message.js'
export {
  CIRCUIT_KDF_SALT,
  CREATED_SIGNATURE_DOMAIN,
  answerCreate,
  completeHandshake,
  createdSigningBytes,
  deriveCircuitKeys,
  ephemeralKeyPairFrom,
  newEphemeralKeyPair,
  sharedSecret,
  systemRandom,
  type CircuitKeys,
  type EphemeralKeyPair,
  type RandomSource,
} from './handshake.js'
export { ClientOnion, cellNonce, openBody, sealBody, xorBody, type Direction } from './onion.js'
export { ManualScheduler, type Scheduler } from './scheduler.js'
export { CellMux, type CellChannel, type CellMuxOptions, type CellReceiver, type CircuitEnd } from './channel.js'
export type { CircuitStream } from './stream.js'
export { CoalescingWriter, type ItemPacker } from './coalescing-writer.js'
export { CircuitClient, MAX_PATH_HOPS, type CircuitClientOptions, type ClientCircuit, type ClientCircuitState, type PathHop } from './client.js'
export { CircuitHop, type CircuitDialer, type CircuitHopOptions, type ExitHandler, type HopObservation } from './hop.js'
export { MemoryLink, type CellTap } from './memory-channel.js'
