/**
 * `tsx relay-server/main.ts [flags]`: the relay's command line. Reads the
 * settings, starts the relay, prints where it is, and shuts it down cleanly
 * (closing the event store) on SIGINT or SIGTERM.
 */
import './node-polyfills.js'
import { parseRelayArgs, RelayConfigError, relayConfigHelp } from './config.js'
import { startRelay } from './relay.js'

/** A shutdown that hangs (e.g. a peer that never closes its stream) must not keep the process alive. */
const SHUTDOWN_GRACE_MS = 10_000

async function main(): Promise<void> {
  let parsed
  try {
    parsed = parseRelayArgs(process.argv.slice(2), process.env)
  } catch (e) {
    if (!(e instanceof RelayConfigError)) throw e
    console.error(`terrain relay: ${e.message}`)
    process.exit(2)
  }
  if (parsed.help) {
    console.log(relayConfigHelp())
    return
  }
  const starting = startRelay(parsed.config)

  // Handlers go in before the ready line: a signal that arrives with no handler installed kills the process
  // outright, and whoever reads the line may signal at once. A signal during startup stops the relay once started.
  let stopping = false
  const shutdown = (signal: NodeJS.Signals) => {
    // One shutdown, however many signals: Ctrl-C under npm delivers SIGINT twice (from the terminal and from npm).
    if (stopping) return
    stopping = true
    console.log(`terrain relay: ${signal}, shutting down`)
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref()
    starting
      .then((relay) => relay.stop())
      .then(
        () => process.exit(0),
        (e: unknown) => {
          console.error('terrain relay: shutdown failed:', e)
          process.exit(1)
        },
      )
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)

  const relay = await starting
  if (!stopping) console.log(`terrain relay listening on ${relay.url} peer ${relay.peerId} ws ${relay.multiaddrs.join(' ')}${relay.gatewayUrl ? ` gateway ${relay.gatewayUrl}` : ''}`)
}

main().catch((e: unknown) => {
  console.error('terrain relay: failed to start:', e instanceof Error ? e.message : e)
  process.exit(1)
})
