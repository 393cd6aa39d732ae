/**
 * Issue 13, the kinds that live in the REST layer, each example and its siblings run as the runner runs the bundle
 * (dist/index.js under Node 24, `INPUT_*`, the runner files) against a scripted stand-in Azure on 127.0.0.1:
 * 1 secrets in every form, 2 long Retry-After, 9 a failing model's headers, 10 paging that loops, 11 NO_PROXY, and
 * a plain-http loopback endpoint that redirects to https.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { ServerResponse } from 'node:http'
import { runStep, type StepOptions } from '../../demo/runner.js'
import { errorOf, namedSecretForms, visibleLines } from '../e2e/helpers.js'
import {
  ACCESS_TOKEN,
  closeAll,
  createTls,
  loopbackDnsPreload,
  sendJson,
  standInAuth,
  startProxy,
  startStandIn,
  SUBSCRIPTION,
  type Recorded,
  type Route
} from './http-stand-in.js'

afterEach(async () => {
  await closeAll()
})

/** A clean proxy environment: the test's own, nothing inherited. */
const NO_PROXY_ENV = {
  https_proxy: undefined,
  HTTPS_PROXY: undefined,
  http_proxy: undefined,
  HTTP_PROXY: undefined,
  no_proxy: undefined,
  NO_PROXY: undefined
}
const DEBUG = { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' }

function step(inputs: StepOptions['inputs'], more: Omit<StepOptions, 'inputs'> = {}) {
  return runStep({
    inputs,
    ...more,
    env: { ...NO_PROXY_ENV, ...more.env },
    timeoutMs: more.timeoutMs ?? 60_000
  })
}

const RG = 'rg-standin'
const WS = 'ws-standin'
const WS_PATH = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.MachineLearningServices/workspaces/${WS}`

function workspace(name: string): object {
  return { id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/x/workspaces/${name}`, name }
}

/** A workflow command's value as the runner reads it: its %25 %0D %0A escapes undone. */
function unescape(value: string): string {
  return value.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%')
}

/** The values the step registered with `::add-mask::`. */
function masksOf(result: { commands: { command: string; value: string }[] }): Set<string> {
  return new Set(result.commands.filter(c => c.command === 'add-mask').map(c => unescape(c.value)))
}

/** What the log shows: stdout without add-mask lines, each command's value unescaped; stderr; the summary. */
function shownText(result: { stdout: string; stderr: string; summary: string }): string {
  const lines = visibleLines(result.stdout).map(line => {
    const command = /^::[\w-]+(?: [^:]*)?::(.*)$/.exec(line)
    return command ? unescape(command[1]) : line
  })
  return [...lines, result.stderr, result.summary].join('\n')
}

/** The `::warning::` lines of a step. */
function warningsOf(result: { commands: { command: string; value: string }[] }): string[] {
  return result.commands.filter(c => c.command === 'warning').map(c => c.value)
}

const scoreOk: Route = (req, res) => {
  if (req.method !== 'POST' || req.path !== '/score') return false
  sendJson(res, 200, { predictions: [1] })
  return true
}

// ─── kind 1: a secret in every form a log can show ────────────────────────────────────────────────────────────────

describe('kind 1: secrets in every form a log can show', () => {
  it('refuses a scoring key with a line break before any request, naming scoring-key, and masks each line', async () => {
    const azure = await startStandIn(scoreOk)
    const result = await step({
      operation: 'score',
      'scoring-uri': `${azure.url}/score`,
      'scoring-key': 'abc\r\ndef',
      data: '[[1, 2]]'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/^Input 'scoring-key': contains a line break/)
    expect(result.stdout + result.stderr).not.toContain('ERR_INVALID_CHAR')
    expect(azure.requests).toHaveLength(0)
    const masks = [...masksOf(result)]
    expect(masks).toEqual(expect.arrayContaining(['abc', 'def']))
    expect(visibleLines(result.stdout).join('\n')).not.toMatch(/abc|def/)
  })

  it('refuses a github-token with a line break before any request, naming github-token', async () => {
    const azure = await startStandIn(() => false)
    const result = await step({
      operation: 'poll-run',
      ...standInAuth(azure),
      'resource-group': RG,
      'workspace-name': WS,
      'run-id': 'run-1',
      'experiment-name': 'exp',
      'comment-on-pr': 'true',
      'github-token': 'ghp_first0000000000\nghp_second000000000'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toMatch(/^Input 'github-token': contains a line break/)
    expect(azure.requests).toHaveLength(0)
    expect(azure.tokenRequests).toHaveLength(0)
    const masks = [...masksOf(result)]
    expect(masks).toEqual(expect.arrayContaining(['ghp_first0000000000', 'ghp_second000000000']))
  })

  it('masks each line of a multi-line client secret, and its URI, form and JSON forms, which an echo never shows', async () => {
    const secret = 'pem~line one!(x)*\nsecond line+/=%"\nthird'
    // The token endpoint refuses, echoing the secret back raw, form-encoded, URI-encoded and JSON-escaped.
    const forms = namedSecretForms(secret)
    const echo = await startStandIn((req, res) => {
      if (!req.path.endsWith('/oauth2/token')) return false
      sendJson(res, 400, {
        error: 'invalid_client',
        error_description: `AADSTS7000215: bad secret ${forms.raw} ${forms['form-encoded']} ${forms['URL-encoded']} ${forms['JSON-escaped']} ${encodeURIComponent('second line+/=%"')}`
      })
      return true
    })
    const result = await step({ operation: 'get-token', ...standInAuth(echo, echo.url, secret) }, { env: DEBUG })
    expect(result.exitCode).toBe(1)
    const masks = masksOf(result)
    for (const line of ['pem~line one!(x)*', 'second line+/=%"', 'third']) {
      expect(masks).toContain(line)
      expect(masks).toContain(encodeURIComponent(line))
      expect(masks).toContain(new URLSearchParams({ s: line }).toString().slice(2))
    }
    expect(masks).toContain(forms['JSON-escaped'])
    expect(masks).toContain(forms['form-encoded'])
    const shown = shownText(result)
    expect(shown).toContain('AADSTS7000215')
    for (const form of Object.values(forms)) expect(shown).not.toContain(form)
    for (const line of ['pem~line one!(x)*', 'second line+/=%"']) {
      expect(shown).not.toContain(line)
      expect(shown).not.toContain(encodeURIComponent(line))
    }
  })

  it('never prints a scoring key carried in the scoring URI query, under any name, even with debug on', async () => {
    const key = 'sc0ring~Key+in/query=9'
    const azure = await startStandIn(scoreOk)
    const uri = `${azure.url}/score?verbose=true&auth=${encodeURIComponent(key)}`
    const result = await step(
      { operation: 'score', 'scoring-uri': uri, 'scoring-key': key, data: '[[1, 2]]' },
      { env: DEBUG }
    )
    expect(result.exitCode).toBe(0)
    expect(azure.requests[0].url).toContain(encodeURIComponent(key))
    const shown = [shownText(result), ...Object.values(result.outputs)].join('\n')
    expect(shown).toContain('/score?verbose=***&auth=***')
    for (const form of Object.values(namedSecretForms(key))) expect(shown).not.toContain(form)
    expect(result.summary).toContain('/score?verbose=***&amp;auth=***')
  })

  it('never prints a SAS signature or code in the scoring URI query, in the summary or the debug log', async () => {
    const sig = 'SiG~nature+value/xyz='
    const azure = await startStandIn(scoreOk)
    const uri = `${azure.url}/score?code=${encodeURIComponent(sig)}`
    const result = await step(
      { operation: 'score', 'scoring-uri': uri, 'scoring-key': 'plain-key-0001', data: '[[1]]' },
      { env: DEBUG }
    )
    expect(result.exitCode).toBe(0)
    expect([...masksOf(result)]).toEqual(expect.arrayContaining([sig, encodeURIComponent(sig)]))
    const shown = shownText(result)
    for (const form of Object.values(namedSecretForms(sig))) expect(shown).not.toContain(form)
  })
})

// ─── kind 2: a long Retry-After ────────────────────────────────────────────────────────────────────────────────────

function throttled(path: RegExp, headers: Record<string, string>, status = 429): Route {
  return (req, res) => {
    if (!path.test(req.path)) return false
    sendJson(res, status, { error: { code: 'TooManyRequests', message: 'Rate limit exceeded for reads.' } }, headers)
    return true
  }
}

describe('kind 2: a long Retry-After', () => {
  it('announces a 20-minute Retry-After at info level: why, how long, when it resumes', async () => {
    const azure = await startStandIn(throttled(/\/resourcegroups$/i, { 'Retry-After': '1200' }))
    const started = Date.now()
    const result = await step(
      { operation: 'list-resource-groups', ...standInAuth(azure) },
      { signal: { name: 'SIGKILL', when: out => /resuming at/.test(out) }, timeoutMs: 30_000 }
    )
    const line = result.stdout.split('\n').find(l => l.includes('resuming at'))
    expect(line).toBeDefined()
    expect(line).not.toMatch(/^::/)
    expect(line).toMatch(/^Waiting 20 min before attempt 2\/8 of GET http:\/\/127\.0\.0\.1:\d+\/subscriptions\//)
    expect(line).toContain('Azure is throttling requests (429 Too Many Requests, Retry-After: 1200)')
    const resumes = Date.parse(/resuming at (\S+)\.$/.exec(line as string)?.[1] ?? '')
    expect(resumes).toBeGreaterThanOrEqual(started + 1_200_000 - 1_000)
    expect(resumes).toBeLessThanOrEqual(Date.now() + 1_200_000 + 1_000)
  })

  it('fails at once when the Retry-After would pass the deadline, naming the throttling and the header', async () => {
    const azure = await startStandIn(throttled(/\/resourcegroups$/i, { 'Retry-After': '1200' }))
    const result = await step({ operation: 'list-resource-groups', ...standInAuth(azure), 'timeout-minutes': '5' })
    expect(result.exitCode).toBe(1)
    expect(result.durationMs).toBeLessThan(15_000)
    const error = errorOf(result)
    expect(error).toContain('429 Too Many Requests')
    expect(error).toContain('Rate limit exceeded for reads.')
    expect(error).toContain('Retry-After: 1200')
    expect(error).toMatch(/would start after the deadline/)
    expect(azure.requests).toHaveLength(1)
  })

  it('fails at once on a token endpoint 429 whose retry-after-ms passes the deadline (sibling: Entra, ms header)', async () => {
    const azure = await startStandIn((req, res) => {
      if (!req.path.endsWith('/oauth2/token')) return false
      sendJson(
        res,
        429,
        { error: 'temporarily_unavailable', error_description: 'throttled' },
        {
          'retry-after-ms': '900000'
        }
      )
      return true
    })
    const result = await step({ operation: 'get-token', ...standInAuth(azure), 'timeout-minutes': '1' })
    expect(result.exitCode).toBe(1)
    expect(result.durationMs).toBeLessThan(15_000)
    expect(errorOf(result)).toContain('retry-after-ms: 900000')
    expect(azure.tokenRequests).toHaveLength(1)
  })

  it('announces a 45 s 503 Retry-After on a workspace read at info level (sibling: another status and operation)', async () => {
    const azure = await startStandIn(throttled(/\/workspaces\/ws-standin$/, { 'Retry-After': '45' }, 503))
    const result = await step(
      { operation: 'get-workspace', ...standInAuth(azure), 'resource-group': RG, 'workspace-name': WS },
      { signal: { name: 'SIGKILL', when: out => /resuming at/.test(out) }, timeoutMs: 30_000 }
    )
    const line = result.stdout.split('\n').find(l => l.includes('resuming at'))
    expect(line).toMatch(/^Waiting 45 s before attempt 2\/8 of GET /)
    expect(line).toContain('the service answered 503 Service Unavailable, Retry-After: 45 and asked to wait')
  })
})

// ─── kind 9: what a failing model says ─────────────────────────────────────────────────────────────────────────────

describe('kind 9: a failing model names its status and reason', () => {
  it('424 with ms-azureml-model-error-statuscode 500 and reason model_error: the error names both', async () => {
    const azure = await startStandIn((req, res) => {
      if (req.path !== '/score') return false
      sendJson(
        res,
        424,
        { message: 'An unexpected error occurred in scoring script.' },
        {
          'ms-azureml-model-error-statuscode': '500',
          'ms-azureml-model-error-reason': 'model_error'
        }
      )
      return true
    })
    const result = await step({
      operation: 'score',
      'scoring-uri': `${azure.url}/score`,
      'scoring-key': 'key-0000-1111',
      data: '[[1, 2]]'
    })
    expect(result.exitCode).toBe(1)
    const error = errorOf(result)
    expect(error).toContain('424 Failed Dependency')
    expect(error).toContain('the model answered 500 (model_error)')
    expect(error).toContain('An unexpected error occurred in scoring script.')
    expect(result.outputs.statusCode).toBe('424')
    expect(azure.requests).toHaveLength(1)
  })

  it('424 with an empty body and only the reason header: the error still names the reason', async () => {
    const azure = await startStandIn((req, res) => {
      if (req.path !== '/score') return false
      res.writeHead(424, { 'ms-azureml-model-error-reason': 'model_timeout' }).end()
      return true
    })
    const result = await step({
      operation: 'score',
      'scoring-uri': `${azure.url}/score`,
      'scoring-key': 'key-0000-1111',
      data: '[[1, 2]]'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toContain('424 Failed Dependency: the model failed (model_timeout)')
  })

  it('a 502 from the model container carrying the headers names them too', async () => {
    const azure = await startStandIn((req, res) => {
      if (req.path !== '/score') return false
      sendJson(
        res,
        502,
        {},
        {
          'ms-azureml-model-error-statuscode': '503',
          'ms-azureml-model-error-reason': 'container_crashed'
        }
      )
      return true
    })
    const result = await step({
      operation: 'score',
      'scoring-uri': `${azure.url}/score`,
      'scoring-key': 'key-0000-1111',
      data: '[[1]]'
    })
    expect(result.exitCode).toBe(1)
    expect(errorOf(result)).toContain('the model answered 503 (container_crashed)')
  })
})

// ─── kind 10: paging that loops ────────────────────────────────────────────────────────────────────────────────────

/** Serves `pages` by name: the first at `first` (a path), the others at `?page=<name>`; nextLink as each page says. */
function pagedList(first: RegExp, pages: Record<string, { value: unknown[]; next?: string }>, origin: () => string) {
  return (req: Recorded, res: ServerResponse): boolean => {
    if (req.method !== 'GET' || !first.test(req.path)) return false
    const name = new URL(req.url, 'http://x').searchParams.get('page') ?? 'first'
    const page = pages[name]
    const nextLink = page.next ? `${origin()}${req.path}?api-version=2025-06-01&page=${page.next}` : undefined
    sendJson(res, 200, { value: page.value, ...(nextLink ? { nextLink } : {}) })
    return true
  }
}

describe('kind 10: paging that loops ends with a warning, each item once', () => {
  it('list-workspaces: page L links to itself: 2 requests, 3 items, a warning', async () => {
    let origin = ''
    const azure = await startStandIn(
      pagedList(
        /\/workspaces$/,
        {
          first: { value: [workspace('a'), workspace('b')], next: 'L' },
          L: { value: [workspace('c')], next: 'L' }
        },
        () => origin
      )
    )
    origin = azure.url
    const result = await step({ operation: 'list-workspaces', ...standInAuth(azure) })
    expect(result.exitCode).toBe(0)
    expect(azure.requests).toHaveLength(2)
    expect(result.outputs.count).toBe('3')
    expect((JSON.parse(result.outputs.response) as { value: { name: string }[] }).value.map(w => w.name)).toEqual([
      'a',
      'b',
      'c'
    ])
    expect(warningsOf(result).join('\n')).toMatch(/next-page link it had already given \(a loop\).*partial/)
  })

  it('list-computes: a cycle over two pages (A → B → A) stops after B, each compute once', async () => {
    let origin = ''
    const compute = (name: string) => ({ id: `${WS_PATH}/computes/${name}`, name, properties: {} })
    const azure = await startStandIn(
      pagedList(
        /\/computes$/,
        {
          first: { value: [compute('c1')], next: 'A' },
          A: { value: [compute('c2')], next: 'B' },
          B: { value: [compute('c3'), compute('c2')], next: 'A' }
        },
        () => origin
      )
    )
    origin = azure.url
    const result = await step({
      operation: 'list-computes',
      ...standInAuth(azure),
      'resource-group': RG,
      'workspace-name': WS
    })
    expect(result.exitCode).toBe(0)
    expect(azure.requests).toHaveLength(3)
    expect(result.outputs.count).toBe('3')
    expect(warningsOf(result).join('\n')).toMatch(/a loop/)
  })

  it('list-resource-groups: links that never end stop at the page cap with a warning', async () => {
    const azure = await startStandIn((req, res) => {
      if (!/\/resourcegroups$/i.test(req.path)) return false
      const n = Number(new URL(req.url, 'http://x').searchParams.get('n') ?? '0')
      sendJson(res, 200, {
        value: [{ id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-${n}`, name: `rg-${n}` }],
        nextLink: `${azure.url}${req.path}?api-version=2019-10-01&n=${n + 1}`
      })
      return true
    })
    const result = await step({ operation: 'list-resource-groups', ...standInAuth(azure) })
    expect(result.exitCode).toBe(0)
    expect(azure.requests).toHaveLength(200)
    expect(result.outputs.count).toBe('200')
    expect(warningsOf(result).join('\n')).toMatch(/after 200 pages/)
  })

  it('list-experiments (POST experiments:query): a repeated continuationToken ends the list, each experiment once', async () => {
    const experiment = (n: number) => ({ experimentId: `e${n}`, id: `e${n}`, name: `exp-${n}` })
    const azure = await startStandIn((req, res) => {
      if (req.method === 'GET' && req.path.endsWith('/experiments')) {
        sendJson(res, 404, { error: { code: 'NotFound', message: 'no such route' } })
        return true
      }
      if (req.method !== 'POST' || !req.path.endsWith('/experiments:query')) return false
      const token = (JSON.parse(req.body || '{}') as { continuationToken?: string }).continuationToken
      if (!token) sendJson(res, 200, { value: [experiment(1)], continuationToken: 'T' })
      else sendJson(res, 200, { value: [experiment(2), experiment(1)], continuationToken: 'T' })
      return true
    })
    const result = await step({
      operation: 'list-experiments',
      ...standInAuth(azure),
      'resource-group': RG,
      'workspace-name': WS,
      'api-endpoint': azure.url
    })
    expect(result.exitCode).toBe(0)
    expect(azure.requests.filter(r => r.method === 'POST')).toHaveLength(2)
    expect(result.outputs.count).toBe('2')
    expect(warningsOf(result).join('\n')).toMatch(/a loop/)
  })

  it('list-models (data plane): a self-link ends the list with a warning', async () => {
    let origin = ''
    const azure = await startStandIn(
      pagedList(
        /\/models$/,
        {
          first: { value: [{ id: 'm:1', name: 'm' }], next: 'L' },
          L: {
            value: [
              { id: 'm:2', name: 'm' },
              { id: 'm:1', name: 'm' }
            ],
            next: 'L'
          }
        },
        () => origin
      )
    )
    origin = azure.url
    const result = await step({
      operation: 'list-models',
      ...standInAuth(azure),
      'resource-group': RG,
      'workspace-name': WS,
      'api-endpoint': azure.url
    })
    expect(result.exitCode).toBe(0)
    expect(azure.requests).toHaveLength(2)
    expect(result.outputs.count).toBe('2')
    expect(warningsOf(result).join('\n')).toMatch(/a loop/)
  })
})

// ─── kind 11: proxies ──────────────────────────────────────────────────────────────────────────────────────────────

describe('kind 11: NO_PROXY entries match as curl and the runner match them', () => {
  const ARM_HOST = 'management.azure.com'

  /** list-resource-groups against https://management.azure.com:<port> (resolved to the stand-in), behind a proxy. */
  async function throughProxy(noProxy: string, variable = 'NO_PROXY') {
    const tls = await createTls([ARM_HOST])
    const arm = await startStandIn((req, res) => {
      if (!/\/resourcegroups$/i.test(req.path)) return false
      sendJson(res, 200, { value: [{ id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-1`, name: 'rg-1' }] })
      return true
    }, tls)
    const entra = await startStandIn(() => false)
    const proxy = await startProxy()
    const result = await step(
      { operation: 'list-resource-groups', ...standInAuth(entra, `https://${ARM_HOST}:${arm.port}`) },
      {
        env: {
          HTTPS_PROXY: proxy.url,
          HTTP_PROXY: proxy.url,
          [variable]: noProxy,
          NODE_EXTRA_CA_CERTS: tls.caFile,
          NODE_OPTIONS: `--import=${loopbackDnsPreload(tls.dir, [ARM_HOST])}`
        }
      }
    )
    return { result, arm, proxy, entra }
  }

  it('NO_PROXY=localhost,*.azure.com: ARM requests go direct, not through HTTPS_PROXY', async () => {
    const { result, arm, proxy } = await throughProxy('localhost,*.azure.com')
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(proxy.connects).toEqual([])
    expect(arm.requests).toHaveLength(1)
    expect(arm.requests[0].headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`)
  })

  it.each(['.azure.com', 'azure.com', ' AZURE.com ', '*', 'example.org, management.azure.com'])(
    'NO_PROXY=%j also covers management.azure.com',
    async noProxy => {
      const { result, proxy } = await throughProxy(noProxy)
      expect(result.exitCode).toBe(0)
      expect(proxy.connects).toEqual([])
    }
  )

  it('lower-case no_proxy with *.azure.com is read too', async () => {
    const { result, proxy } = await throughProxy('*.azure.com', 'no_proxy')
    expect(result.exitCode).toBe(0)
    expect(proxy.connects).toEqual([])
  })

  it.each(['localhost,azure.co', 'notazure.com', '*.management.azure.com.evil'])(
    'NO_PROXY=%j does not cover management.azure.com: the request goes through the proxy',
    async noProxy => {
      const { result, proxy } = await throughProxy(noProxy)
      expect(result.exitCode).toBe(0)
      expect(proxy.connects).toEqual([expect.stringMatching(/^management\.azure\.com:\d+$/)])
    }
  )
})

// ─── also seen: a plain-http loopback endpoint that redirects to https ─────────────────────────────────────────────

describe('a plain-http loopback endpoint that redirects to https is followed, the credential dropped', () => {
  async function redirecting(status: number) {
    const tls = await createTls()
    const target = await startStandIn((req, res) => {
      if (req.path === '/score') {
        sendJson(res, 200, { predictions: [42] })
        return true
      }
      if (/\/resourcegroups$/i.test(req.path)) {
        sendJson(res, 200, { value: [{ id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-r`, name: 'rg-r' }] })
        return true
      }
      return false
    }, tls)
    const loopback = await startStandIn((req, res) => {
      if (req.path === '/score' || /\/resourcegroups$/i.test(req.path)) {
        res.writeHead(status, { location: `${target.url}${req.url}` }).end()
        return true
      }
      return false
    })
    return { tls, target, loopback }
  }

  it('score: http://127.0.0.1 answers 307 to https://localhost: followed, the scoring key not sent on', async () => {
    const { tls, target, loopback } = await redirecting(307)
    const result = await step(
      { operation: 'score', 'scoring-uri': `${loopback.url}/score`, 'scoring-key': 'key-redirect-1', data: '[[1]]' },
      { env: { NODE_EXTRA_CA_CERTS: tls.caFile } }
    )
    expect(result.stdout + result.stderr).not.toContain('ERR_INVALID_PROTOCOL')
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs.response)).toEqual({ predictions: [42] })
    expect(loopback.requests[0].headers.authorization).toBe('Bearer key-redirect-1')
    expect(target.requests).toHaveLength(1)
    expect(target.requests[0].method).toBe('POST')
    expect(target.requests[0].body).toBe('{"data":[[1]]}')
    expect(target.requests[0].headers.authorization).toBeUndefined()
  })

  it('list-resource-groups: an ARM GET on http loopback answered 302 to https is followed without the token', async () => {
    const { tls, target, loopback } = await redirecting(302)
    const result = await step(
      { operation: 'list-resource-groups', ...standInAuth(loopback) },
      { env: { NODE_EXTRA_CA_CERTS: tls.caFile } }
    )
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBe('1')
    expect(loopback.requests[0].headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`)
    expect(target.requests[0].headers.authorization).toBeUndefined()
  })
})
