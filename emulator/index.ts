/**
 * A local Azure Machine Learning emulator: Entra token endpoints and an OIDC issuer, ARM (resource groups,
 * workspaces, computes with their long-running operations; v2 jobs, assets, datastores, online endpoints whose
 * deployments really serve their scoring scripts) and the data plane (experiments, runs that really run, models,
 * scoring), every request checked against the vendored Azure specs, with faults on demand.
 *
 * Two servers: `url` (ARM, the Entra authority host, the OIDC issuer, the admin API) and `apiUrl` (the data plane the
 * workspace's discovery document names), as in Azure where they are different hosts.
 */
import { addCuratedEnvironments } from './resources/curated-environments.js'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { buildSeed, readConfigFile, resolveConfig, type ConfigInput } from './config.js'
import { loadSpecs } from './core/conformance.js'
import { TokenStore, type Core } from './core/context.js'
import { createTls, type TlsFiles } from './core/https.js'
import { buildRoutes } from './core/routes.js'
import { createHandler } from './core/server.js'
import { State, workspaceKey } from './core/state.js'
import type { EmulatorConfig, FaultRule, RecordedRequest, Seed } from './core/types.js'
import { FaultStore, normalizeRule } from './faults/faults.js'
import { newSigningKey } from './identity/jwt.js'
import { MODULES } from './modules.js'
import { Blobs } from './resources/blobs.js'
import { InferenceServers } from './resources/inference-server.js'
import { JobRunner } from './resources/job-process.js'
import { Runner } from './resources/run-process.js'

export type {
  EmulatorConfig,
  EmulatorDelays,
  FaultKind,
  FaultMatch,
  FaultRule,
  RecordedRequest,
  Seed
} from './core/types.js'
export { SCORING_WEIGHTS, predict } from './resources/scoring.js'
export { loadSpecs } from './core/conformance.js'

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** ARM/login/OIDC/admin server; 0 = any free port (default). */
  port?: number
  /** Data-plane server (the one the discovery document names); 0 = any free port (default). */
  apiPort?: number
  /** Serve both on https with a certificate generated at start (written to stateDir). */
  https?: boolean
  /** Run folders, certificates and state.json; default a new temporary folder (removed by close()). */
  stateDir?: string
  /** Seed values, delays, token lifetime, initial faults. */
  config?: ConfigInput
  /** A JSON or YAML file of the same shape as `config` (applied before `config`). */
  configFile?: string
  /** No log lines on stdout. */
  quiet?: boolean
}

export interface Emulator {
  /** ARM, the Entra authority host, the OIDC issuer and the admin API; no trailing slash. */
  url: string
  /** The data-plane server (discovery's `api`); no trailing slash. */
  apiUrl: string
  seed: Seed
  /** Every request either server received, in order of arrival (admin requests excepted). */
  requests: RecordedRequest[]
  faults: { add(rule: FaultRule): FaultRule; clear(): void; list(): FaultRule[]; remove(id: string): boolean }
  /** State back to the seed; faults and the request log cleared; running runs stopped. */
  reset(): void
  close(): Promise<void>
  /** Whether Azurite (the v2 blob storage) has been started: only once a v2 blob feature is used. */
  azuriteStarted(): boolean
  /** With https: the CA certificate to trust. */
  caCertPath?: string
  stateDir: string
  config: EmulatorConfig
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function baseUrl(https: boolean, host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `${https ? 'https' : 'http'}://${h}:${port}`
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1'
  const config = resolveConfig(options.configFile ? readConfigFile(options.configFile) : undefined, options.config)
  // Refuse a bad seed or fault rule before any folder or port is taken.
  buildSeed(config.seed, 'http://preflight', 'http://preflight')
  config.faults.forEach(rule => normalizeRule(rule))
  if (options.port !== undefined && options.port !== 0 && options.port === options.apiPort) {
    throw new Error('port and apiPort must differ: ARM and the data plane are two servers')
  }
  const ownStateDir = !options.stateDir
  // Absolute: jobs run with their own working directory, where a relative state folder would mean another place.
  const stateDir = options.stateDir ? resolve(options.stateDir) : mkdtempSync(join(tmpdir(), 'azureml-emulator-'))
  mkdirSync(stateDir, { recursive: true })
  const quiet = options.quiet ?? false
  const log = (line: string): void => {
    if (!quiet) console.log(`[azureml-emulator] ${line}`)
  }
  const [specs, tls] = await Promise.all([
    loadSpecs(),
    options.https ? createTls(stateDir, host) : Promise.resolve(undefined as TlsFiles | undefined)
  ])
  const make = (): Server =>
    tls ? createHttpsServer({ cert: `${tls.cert.trim()}\n${tls.ca.trim()}\n`, key: tls.key }) : createHttpServer()
  const armServer = make()
  const apiServer = make()
  const port = await listen(armServer, options.port ?? 0, host)
  let apiPort: number
  try {
    apiPort = await listen(apiServer, options.apiPort ?? 0, host)
  } catch (e) {
    armServer.close()
    throw e
  }
  const url = baseUrl(Boolean(tls), host, port)
  const apiUrl = baseUrl(Boolean(tls), host, apiPort)
  const seed = buildSeed(config.seed, url, apiUrl)
  const state = new State()
  const requests: RecordedRequest[] = []
  const faults = new FaultStore()
  const core: Core = {
    config,
    seed,
    specs,
    state,
    runner: undefined as unknown as Runner,
    jobs: undefined as unknown as JobRunner,
    inference: undefined as unknown as InferenceServers,
    blobs: new Blobs(host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host),
    faults,
    tokens: new TokenStore(),
    keys: { entra: newSigningKey('emulator-entra'), oidc: newSigningKey('emulator-oidc') },
    url,
    apiUrl,
    stateDir,
    requests,
    log
  }
  core.runner = new Runner(config, state, stateDir, log)
  core.jobs = new JobRunner(config, state, stateDir, core.blobs, log)
  core.inference = new InferenceServers(config, state, stateDir, core.blobs, log)

  const reset = (): void => {
    state.reset(seed)
    addCuratedEnvironments(state, workspaceKey(seed.subscriptionId, seed.resourceGroup, seed.workspaceName))
    core.runner.reset(seed, workspaceKey(seed.subscriptionId, seed.resourceGroup, seed.workspaceName))
    core.jobs.reset()
    core.inference.reset()
    faults.clear()
    requests.length = 0
  }
  reset()
  for (const rule of config.faults) faults.add(rule)

  const info = (): Record<string, unknown> => ({
    url,
    apiUrl,
    stateDir,
    ...(tls ? { caCertPath: tls.caCertPath } : {})
  })
  const routes = buildRoutes(specs, MODULES)
  const admin = { core, reset, info }
  armServer.on('request', createHandler(core, 'arm', routes.arm, admin))
  apiServer.on('request', createHandler(core, 'api', routes.api, admin))
  writeFileSync(join(stateDir, 'state.json'), `${JSON.stringify({ ...info(), seed }, null, 2)}\n`)
  log(`ARM, login, OIDC and admin on ${url}; data plane on ${apiUrl}; state in ${stateDir}`)

  let closed = false
  return {
    url,
    apiUrl,
    seed,
    requests,
    faults: {
      add: rule => faults.add(rule),
      clear: () => faults.clear(),
      list: () => faults.list(),
      remove: id => faults.remove(id)
    },
    reset,
    azuriteStarted: () => core.blobs.started,
    caCertPath: tls?.caCertPath,
    stateDir,
    config,
    async close() {
      if (closed) return
      closed = true
      core.runner.stopAll()
      core.jobs.stopAll()
      core.inference.close()
      await Promise.all(
        [armServer, apiServer].map(
          s =>
            new Promise<void>(resolve => {
              s.close(() => resolve())
              s.closeAllConnections()
            })
        )
      )
      await core.blobs.stop()
      if (ownStateDir) rmSync(stateDir, { recursive: true, force: true })
    }
  }
}
