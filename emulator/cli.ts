/**
 * `npm run emulator -- [--host H] [--port N] [--api-port N] [--https] [--state-dir DIR] [--config FILE] [--quiet]`
 *
 * Prints the base URLs and the seed as `KEY=value` lines (a shell can `eval` or grep them; the secret is printed too:
 * it is a fake, and users need it), writes state.json into the state folder, and stops cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util'
import { startEmulator } from './index.js'

const USAGE =
  'usage: npm run emulator -- [--host 127.0.0.1] [--port 0] [--api-port 0] [--https] [--state-dir DIR] ' +
  '[--config FILE.yaml|json] [--quiet]'

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`--${name} must be a port number (0-65535), got '${value}'`)
  return n
}

/** `clientSecret` → `CLIENT_SECRET`. */
const envName = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'api-port': { type: 'string' },
      https: { type: 'boolean' },
      'state-dir': { type: 'string' },
      config: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const emulator = await startEmulator({
    host: values.host,
    port: port(values.port, 'port'),
    apiPort: port(values['api-port'], 'api-port'),
    https: values.https ?? false,
    stateDir: values['state-dir'] ?? '.emulator-state',
    configFile: values.config,
    quiet: values.quiet ?? false
  })
  const lines: [string, string][] = [
    ['EMULATOR_URL', emulator.url],
    ['EMULATOR_API_URL', emulator.apiUrl],
    ['EMULATOR_STATE_DIR', emulator.stateDir],
    ...(emulator.caCertPath ? ([['EMULATOR_CA_CERT', emulator.caCertPath]] as [string, string][]) : []),
    // Lists and objects (the seeded clusters) as JSON, not `[object Object]`.
    ...Object.entries(emulator.seed).map(
      ([k, v]) => [envName(k), typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)] as [string, string]
    )
  ]
  console.log('Azure ML emulator running. Point the action at it with:')
  console.log(`  arm-endpoint: ${emulator.url}`)
  console.log(`  authority-host: ${emulator.url}`)
  const creds = {
    clientId: emulator.seed.clientId,
    clientSecret: emulator.seed.clientSecret,
    tenantId: emulator.seed.tenantId,
    subscriptionId: emulator.seed.subscriptionId
  }
  console.log(`  creds: ${JSON.stringify(creds)}`)
  console.log('Values (KEY=value, shell-quoted):')
  for (const [k, v] of lines) console.log(`${k}='${v.replace(/'/g, `'\\''`)}'`)
  console.log('Ready. Ctrl-C stops it.')

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    console.log(`Received ${signal}; stopping the emulator.`)
    emulator.close().then(
      () => process.exit(0),
      err => {
        console.error(err)
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch(err => {
  console.error(`azureml-emulator: ${(err as Error).message}`)
  console.error(USAGE)
  process.exit(1)
})
