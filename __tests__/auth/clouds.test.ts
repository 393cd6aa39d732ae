import { describe, expect, it } from '@jest/globals'
import { assertSecureEndpoint, CLOUD_NAMES, getCloud, resolveEndpoints } from '../../src/auth/clouds.js'
import { isLoopbackHost } from '../../src/http/transport-security.js'
import { InputError } from '../../src/base/errors.js'

describe('cloud table', () => {
  it('knows the three clouds', () => {
    expect(CLOUD_NAMES).toEqual(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'])
  })

  it.each([
    [
      'AzureCloud',
      'https://management.azure.com/',
      'https://login.microsoftonline.com/',
      'api://AzureADTokenExchange',
      'https://ml.azure.com',
      'https://ml.azure.com'
    ],
    [
      'AzureUSGovernment',
      'https://management.usgovcloudapi.net/',
      'https://login.microsoftonline.us/',
      'api://AzureADTokenExchangeUSGov',
      'https://ml.azure.us',
      'https://ml.azure.us'
    ],
    [
      'AzureChinaCloud',
      'https://management.chinacloudapi.cn/',
      'https://login.chinacloudapi.cn/',
      'api://AzureADTokenExchangeChina',
      'https://studio.ml.azure.cn',
      'https://ml.azure.cn'
    ]
  ])('%s', (name, armEndpoint, authorityHost, audience, portalHost, amlResource) => {
    expect(getCloud(name)).toEqual({ name, armEndpoint, authorityHost, audience, portalHost, amlResource })
    expect(resolveEndpoints({ cloud: name })).toEqual({ armEndpoint, authorityHost, audience, portalHost, amlResource })
  })

  it('matches names case-insensitively, as az and Azure/login do', () => {
    expect(getCloud('azureusgovernment').name).toBe('AzureUSGovernment')
    expect(getCloud(' AZURECHINACLOUD ').name).toBe('AzureChinaCloud')
  })

  it('rejects an unknown cloud, naming the input and the choices', () => {
    expect(() => getCloud('AzureGermanCloud')).toThrow(InputError)
    expect(() => getCloud('AzureGermanCloud')).toThrow(
      "Input 'cloud': unknown cloud 'AzureGermanCloud'. Expected one of AzureCloud, AzureUSGovernment, AzureChinaCloud."
    )
  })

  it('hands out copies, so a caller cannot change the table', () => {
    getCloud('AzureCloud').armEndpoint = 'https://evil.example/'
    expect(getCloud('AzureCloud').armEndpoint).toBe('https://management.azure.com/')
  })
})

describe('resolveEndpoints', () => {
  it('lets explicit values override the cloud, with exactly one trailing slash', () => {
    expect(
      resolveEndpoints({
        cloud: 'AzureUSGovernment',
        armEndpoint: 'https://management.local.azurestack.external',
        authorityHost: 'http://127.0.0.1:8080///',
        audience: 'api://MyAudience'
      })
    ).toEqual({
      armEndpoint: 'https://management.local.azurestack.external/',
      authorityHost: 'http://127.0.0.1:8080/',
      audience: 'api://MyAudience',
      portalHost: 'https://ml.azure.us',
      amlResource: 'https://ml.azure.us'
    })
  })

  // azure-ai-ml 1.4 _azure_environments.py aml_resource_id, stripped of its slash as _get_aml_resource_id_from_metadata does.
  it.each([
    ['AzureCloud', 'https://ml.azure.com'],
    ['azurecloud', 'https://ml.azure.com'],
    ['AzureUSGovernment', 'https://ml.azure.us'],
    ['AzureChinaCloud', 'https://ml.azure.cn']
  ])(
    'gives %s the Azure ML resource %s (the x-azureml-token audience), whatever arm-endpoint says',
    (cloud, resource) => {
      expect(getCloud(cloud).amlResource).toBe(resource)
      expect(resolveEndpoints({ cloud, armEndpoint: 'http://127.0.0.1:9/' }).amlResource).toBe(resource)
    }
  )

  it('treats empty and blank values (an unset input) as absent', () => {
    expect(resolveEndpoints({ cloud: 'AzureCloud', armEndpoint: '', authorityHost: '  ', audience: '' })).toEqual(
      resolveEndpoints({ cloud: 'AzureCloud' })
    )
  })

  it('keeps an audience exactly (it is not a URL)', () => {
    expect(resolveEndpoints({ cloud: 'AzureCloud', audience: 'api://x/' }).audience).toBe('api://x/')
  })
})

describe('assertSecureEndpoint', () => {
  it.each([
    'https://management.azure.com/',
    'https://example.com:8443/path',
    'http://localhost:8080/',
    'http://LOCALHOST/',
    'http://127.0.0.1:3000/',
    'http://127.200.3.4/',
    'http://127.1/', // the URL parser canonicalises it to 127.0.0.1
    'http://[::1]:5000/'
  ])('accepts %s', url => {
    expect(() => assertSecureEndpoint('arm-endpoint', url)).not.toThrow()
  })

  it.each([
    'http://management.azure.com/',
    'http://10.0.0.1/',
    'http://128.0.0.1/',
    'http://127.0.0.1.evil.example/',
    'http://localhost.evil.example/',
    'http://[::2]/',
    'http://0.0.0.0/'
  ])('refuses plain http to a remote host: %s', url => {
    let error: unknown
    try {
      assertSecureEndpoint('arm-endpoint', url)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).input).toBe('arm-endpoint')
    expect((error as Error).message).toMatch(/^Input 'arm-endpoint': plain http to '.+' would send credentials/)
    expect((error as Error).message).toContain('loopback')
  })

  it.each([
    ['ftp://example.com/', "unsupported scheme 'ftp:'"],
    ['file:///etc/passwd', "unsupported scheme 'file:'"],
    ['ws://localhost/', "unsupported scheme 'ws:'"],
    ['management.azure.com', 'not an absolute URL'],
    ['', 'not an absolute URL']
  ])('refuses %j', (url, reason) => {
    expect(() => assertSecureEndpoint('authority-host', url)).toThrow(`Input 'authority-host': ${reason}`)
  })

  it('recognises loopback host names', () => {
    expect(isLoopbackHost('localhost')).toBe(true)
    expect(isLoopbackHost('127.0.0.1')).toBe(true)
    expect(isLoopbackHost('[::1]')).toBe(true)
    expect(isLoopbackHost('127.0.0.1.nip.io')).toBe(false)
    expect(isLoopbackHost('example.com')).toBe(false)
  })
})
