#!/usr/bin/env node
/**
 * Makes sure Debian's Chromium is installed, since the browser tests and
 * benchmarks drive that binary (Playwright's own browser download is not
 * reachable from CI). Installs it with apt-get when missing; does nothing
 * when it is present.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CHROMIUM_PATH = '/usr/lib/chromium/chromium'

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(`ensure-chromium: ${message}`)
  process.exit(1)
}

/** @param {string} name */
function commandExists(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0
}

/** The prefix that runs a command as root without prompting: nothing as root, `sudo -n ` otherwise. */
function asRoot() {
  if (process.getuid?.() === 0) return ''
  if (commandExists('sudo')) return 'sudo -n '
  fail(`Chromium is missing and installing it needs root: rerun as root or where sudo works without a password, or run "apt-get install -y chromium" yourself`)
}

/** @param {string} commandLine */
function run(commandLine) {
  console.log(`ensure-chromium: $ ${commandLine}`)
  const result = spawnSync('sh', ['-c', commandLine], { stdio: 'inherit' })
  if (result.error) fail(`could not run "${commandLine}": ${result.error.message}`)
  if (result.status !== 0) fail(`"${commandLine}" exited with ${result.status ?? result.signal}`)
}

if (existsSync(CHROMIUM_PATH)) {
  console.log(`ensure-chromium: found ${CHROMIUM_PATH}`)
  process.exit(0)
}

console.log(`ensure-chromium: ${CHROMIUM_PATH} is missing; installing Debian's chromium package`)
if (!commandExists('apt-get')) fail('apt-get is not available: install Chromium so that ' + CHROMIUM_PATH + ' exists, then retry')
// sudo resets the environment, so the non-interactive frontend is passed through `env`.
const aptGet = `${asRoot()}env DEBIAN_FRONTEND=noninteractive apt-get`
run(`${aptGet} update`)
run(`${aptGet} install -y chromium`)
if (!existsSync(CHROMIUM_PATH)) fail(`the chromium package installed, but ${CHROMIUM_PATH} does not exist`)
console.log(`ensure-chromium: installed ${CHROMIUM_PATH}`)
