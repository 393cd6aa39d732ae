/**
 * The national clouds: where tokens come from (authority host), what they are for (ARM, the Azure ML resource), which
 * audience the GitHub ID token is minted for in OpenID Connect, and where the Machine Learning studio lives (for portal
 * links).
 */
import { InputError } from '../base/errors.js'
import { isLoopbackHost } from '../http/transport-security.js'

export const CLOUD_NAMES = ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'] as const
export type CloudName = (typeof CLOUD_NAMES)[number]

export interface Cloud {
  name: CloudName
  /** ARM endpoint, one trailing slash: also the token resource for ARM calls. */
  armEndpoint: string
  /** Entra ID authority host, one trailing slash; `{authorityHost}{tenant}/oauth2/...` is the token endpoint. */
  authorityHost: string
  /** Default `aud` of the GitHub ID token exchanged in OpenID Connect (what Entra's federated credential expects). */
  audience: string
  /** Machine Learning studio, no trailing slash (links are built as `${portalHost}/runs/...`). */
  portalHost: string
  /**
   * The Azure ML resource (the application ID URI), no trailing slash: the audience of the `x-azureml-token` a job with
   * a user identity is submitted with. azure-ai-ml 1.4 `_azure_environments.py` `aml_resource_id`, which
   * `_get_aml_resource_id_from_metadata` strips of its slash and `_set_headers_with_user_aml_token` compares with the
   * token's `aud`.
   */
  amlResource: string
}

const CLOUDS: Record<CloudName, Cloud> = {
  AzureCloud: {
    name: 'AzureCloud',
    armEndpoint: 'https://management.azure.com/',
    authorityHost: 'https://login.microsoftonline.com/',
    audience: 'api://AzureADTokenExchange',
    portalHost: 'https://ml.azure.com',
    amlResource: 'https://ml.azure.com'
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    armEndpoint: 'https://management.usgovcloudapi.net/',
    authorityHost: 'https://login.microsoftonline.us/',
    audience: 'api://AzureADTokenExchangeUSGov',
    portalHost: 'https://ml.azure.us',
    amlResource: 'https://ml.azure.us'
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    armEndpoint: 'https://management.chinacloudapi.cn/',
    authorityHost: 'https://login.chinacloudapi.cn/',
    audience: 'api://AzureADTokenExchangeChina',
    portalHost: 'https://studio.ml.azure.cn',
    amlResource: 'https://ml.azure.cn'
  }
}

/** Case-insensitive, as `az cloud set` and Azure/login accept `azurecloud`. */
export function isCloudName(name: string): boolean {
  return CLOUD_NAMES.some(n => n.toLowerCase() === name.trim().toLowerCase())
}

/** The cloud named `name` (case-insensitive); an unknown name is an error on the `cloud` input. */
export function getCloud(name: string): Cloud {
  const found = CLOUD_NAMES.find(n => n.toLowerCase() === name.trim().toLowerCase())
  if (!found) {
    throw new InputError('cloud', `unknown cloud '${name}'. Expected one of ${CLOUD_NAMES.join(', ')}.`)
  }
  return { ...CLOUDS[found] }
}

export interface EndpointOverrides {
  cloud: string
  /** Empty or undefined means "the cloud's". */
  armEndpoint?: string
  authorityHost?: string
  audience?: string
}

export interface ResolvedEndpoints {
  armEndpoint: string
  authorityHost: string
  audience: string
  portalHost: string
  amlResource: string
}

/**
 * The cloud's endpoints with explicit values taking precedence. URLs end in exactly one slash so `${armEndpoint}path`
 * and `${authorityHost}${tenant}` never double or drop it. No URL validation here: the caller knows which input a value
 * came from (an input or a field of `creds`) and checks it with `assertSecureEndpoint` under that name.
 */
export function resolveEndpoints(options: EndpointOverrides): ResolvedEndpoints {
  const cloud = getCloud(options.cloud)
  return {
    armEndpoint: withTrailingSlash(nonEmpty(options.armEndpoint) ?? cloud.armEndpoint),
    authorityHost: withTrailingSlash(nonEmpty(options.authorityHost) ?? cloud.authorityHost),
    // An audience is an opaque string (api://...), not a URL: kept exactly as given.
    audience: nonEmpty(options.audience) ?? cloud.audience,
    portalHost: cloud.portalHost,
    amlResource: cloud.amlResource
  }
}

export function withTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '') + '/'
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed ? trimmed : undefined
}

/**
 * A token (or a client secret) is never sent in clear text: `https:` anywhere, `http:` only to this machine (the local
 * emulator). Throws an `InputError` naming `name`, the input the URL came from.
 */
export function assertSecureEndpoint(name: string, url: string): void {
  const reason = insecureEndpointReason(url)
  if (reason !== undefined) throw new InputError(name, reason)
}

/** Why `url` may not receive a credential, or undefined when it may. */
export function insecureEndpointReason(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'not an absolute URL. Expected an https:// URL such as https://management.azure.com/.'
  }
  if (parsed.protocol === 'https:') return undefined
  if (parsed.protocol === 'http:') {
    if (isLoopbackHost(parsed.hostname)) return undefined
    return (
      `plain http to '${parsed.hostname}' would send credentials unencrypted. Use https://, ` +
      'or http:// only to a loopback host (localhost, 127.0.0.1, [::1]).'
    )
  }
  return `unsupported scheme '${parsed.protocol}'. Expected an https:// URL.`
}
