/**
 * The settings every operation shares (read once from the common inputs by `common-inputs.ts`) and the workspace
 * reference most operations carry. Types only, plus the defaults: every domain imports this, and it imports no domain.
 */
import type { AuthConfig } from './auth-types.js'

/** The ARM api-version the guide uses for Machine Learning (v1) calls. */
export const DEFAULT_API_VERSION = '2019-11-01'
/** The api-version of the v2 surface (jobs, assets, online endpoints): the vendored `stable/2024-04-01/mfe.json`. */
export const DEFAULT_V2_API_VERSION = '2024-04-01'
/** `timeout-minutes` when not given: 6 hours, GitHub's own limit for a job on a hosted runner. */
export const DEFAULT_TIMEOUT_MINUTES = 360

export interface Endpoints {
  armEndpoint: string
  authorityHost: string
  audience: string
  portalHost: string
  /** The cloud's Azure ML resource, no trailing slash (`auth/clouds.ts`): the audience of `x-azureml-token`. */
  amlResource: string
}

export interface WorkspaceRef {
  subscriptionId: string
  resourceGroup: string
  workspaceName: string
}

/** What every operation shares. */
export interface CommonSettings {
  /** Undefined only for operations that need no Entra token (`score` with a key). */
  auth?: AuthConfig
  endpoints: Endpoints
  /** The `api-version` input, else `DEFAULT_API_VERSION` (v1 and ARM calls). */
  apiVersion: string
  /** The `api-version` input, else `DEFAULT_V2_API_VERSION` (v2 calls). */
  v2ApiVersion: string
  dryRun: boolean
  wait: boolean
  timeoutMinutes: number
  /** Overrides the discovery document's `api` server (private links, the emulator). */
  apiEndpoint?: string
}

/** An operation as its module receives it: the common settings and its own validated inputs (with `kind`). */
export type Op<Inputs> = CommonSettings & Inputs
