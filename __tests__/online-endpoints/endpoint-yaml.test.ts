/**
 * Online endpoint YAML → the exact body of PUT {WS}/onlineEndpoints/{name} (written by hand from mfe.json 2024-04-01
 * OnlineEndpointTrackedResource), checked against the spec with ajv; and every kind of error naming file, line, field.
 */
import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readEndpointYaml, toEndpointRestBody } from '../../src/online-endpoints/yaml/index.js'
import { KUBERNETES_ONLINE_NOT_SUPPORTED } from '../../src/online-endpoints/yaml/endpoint.js'
import { yamlErrorOf, yamlFolder } from '../cli-yaml/helpers.js'
import { findSpec, SPEC_CANDIDATES, specResourceValidator } from '../cli-yaml/spec-schema.js'

const CLI = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'cli')
const specPath = findSpec()
const withSpec = specPath ? it : it.skip
if (!specPath) console.warn(`SKIPPED spec validation: mfe.json 2024-04-01 not found at ${SPEC_CANDIDATES.join(' or ')}`)

function specErrors(body: unknown): unknown[] {
  const validate = specResourceValidator(specPath as string, 'OnlineEndpointTrackedResource')
  return validate(body) ? [] : (validate.errors ?? [])
}

/** The error for an endpoint YAML text (and `set` lines). */
function errorOf(yaml: string, set: string[] = []) {
  const dir = yamlFolder({ 'endpoint.yml': yaml })
  return yamlErrorOf(() => readEndpointYaml('endpoint.yml', set, { baseDir: dir }))
}

describe('online endpoint YAML → REST body', () => {
  it('maps the endpoint with traffic exactly', () => {
    const read = readEndpointYaml('endpoints/endpoint.yml', [], { baseDir: CLI })
    expect(read.references).toEqual({ deployments: ['blue', 'green'] })
    expect(toEndpointRestBody(read, { location: 'westeurope' })).toEqual({
      location: 'westeurope',
      identity: { type: 'SystemAssigned' },
      tags: { team: 'risk', tier: '1' },
      properties: { authMode: 'Key', description: 'Scores credit applications', traffic: { blue: 90, green: 10 } }
    })
  })

  withSpec('the body is valid against mfe.json OnlineEndpointTrackedResource', () => {
    const read = readEndpointYaml('endpoints/endpoint.yml', [], { baseDir: CLI })
    expect(specErrors(toEndpointRestBody(read, { location: 'westeurope' }))).toEqual([])
  })

  withSpec('the spec check is strict: a wrong field or auth mode is refused', () => {
    expect(specErrors({ location: 'x', properties: { authMode: 'key' } })).not.toEqual([])
    expect(specErrors({ location: 'x', properties: { authMode: 'Key', trafic: {} } })).not.toEqual([])
    expect(specErrors({ properties: { authMode: 'Key' } })).not.toEqual([])
  })

  it('auth modes, identity, public network access, kind, properties; any case as in the CLI', () => {
    const dir = yamlFolder({
      'e.yml': [
        'name: tok-endpoint',
        'auth_mode: AMLToken',
        'public_network_access: Disabled',
        'kind: Managed',
        'properties:',
        '  owner: me',
        '  ratio: 0.50',
        'identity:',
        '  type: user_assigned',
        '  user_assigned_identities:',
        '    - resource_id: /subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1',
        ''
      ].join('\n')
    })
    const body = toEndpointRestBody(readEndpointYaml('e.yml', [], { baseDir: dir }), { location: 'eastus' })
    const expected = {
      location: 'eastus',
      kind: 'Managed',
      identity: {
        type: 'UserAssigned',
        userAssignedIdentities: {
          '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1': {}
        }
      },
      properties: { authMode: 'AMLToken', publicNetworkAccess: 'Disabled', properties: { owner: 'me', ratio: '0.5' } }
    }
    expect(body).toEqual(expected)
    if (specPath) expect(specErrors(body)).toEqual([])
  })

  it('set lines override fields; a minimal endpoint gets Key and SystemAssigned', () => {
    const dir = yamlFolder({ 'e.yml': 'name: my-endpoint\n' })
    const read = readEndpointYaml('e.yml', ['auth_mode=aad_token', 'traffic.blue=100', 'description=from set'], {
      baseDir: dir
    })
    expect(toEndpointRestBody(read, { location: 'eastus' })).toEqual({
      location: 'eastus',
      identity: { type: 'SystemAssigned' },
      properties: { authMode: 'AADToken', description: 'from set', traffic: { blue: 100 } }
    })
    const none = readEndpointYaml('e.yml', ['identity.type=none'], { baseDir: dir })
    expect(toEndpointRestBody(none, { location: 'eastus' }).identity).toEqual({ type: 'None' })
  })
})

describe('online endpoint YAML errors name the input, file, line and field', () => {
  it('missing name, unknown field with a suggestion', () => {
    const e = errorOf('auth_mod: key\ndescription: x\n')
    expect(e.input).toBe('endpoint')
    expect(e.message).toBe(
      "Input 'endpoint': endpoint.yml:1: name: missing required field 'name'\n" +
        "endpoint.yml:1: auth_mod: unknown field 'auth_mod' (did you mean 'auth_mode'?)"
    )
  })

  it('a bad name, auth mode and traffic share', () => {
    const e = errorOf(['name: 1endpoint', 'auth_mode: token', 'traffic:', '  blue: 101', '  green: ten', ''].join('\n'))
    expect(e.message).toBe(
      "Input 'endpoint': endpoint.yml:1: name: the string '1endpoint' is not a name of 3 to 32 letters, digits and -, starting with a letter and ending with a letter or digit (azure-ai-ml validate_endpoint_or_deployment_name)\n" +
        "endpoint.yml:2: auth_mode: the string 'token' is not one of key, aml_token, aad_token\n" +
        'endpoint.yml:4: traffic.blue: the number 101 must be <= 100 (a whole percent)\n' +
        "endpoint.yml:5: traffic.green: expected a whole number, got the string 'ten'"
    )
  })

  it('traffic that does not add up to 100 (or 0)', () => {
    const e = errorOf('name: my-endpoint\ntraffic:\n  blue: 60\n  green: 30\n')
    expect(e.message).toBe(
      "Input 'endpoint': endpoint.yml:2: traffic: the shares add up to 90: they must add up to 100 (or 0)"
    )
    expect(() =>
      readEndpointYaml('endpoint.yml', [], {
        baseDir: yamlFolder({ 'endpoint.yml': 'name: my-endpoint\ntraffic:\n  blue: 0\n  green: 0\n' })
      })
    ).not.toThrow()
  })

  it('identity: bad type, user_assigned without identities', () => {
    expect(errorOf('name: my-endpoint\nidentity:\n  type: managed\n').message).toContain(
      "endpoint.yml:3: identity.type: the string 'managed' is not one of system_assigned, user_assigned, none"
    )
    expect(errorOf('name: my-endpoint\nidentity:\n  type: user_assigned\n').message).toBe(
      "Input 'endpoint': endpoint.yml:2: identity: a user_assigned identity needs 'user_assigned_identities' (its resource_id)"
    )
  })

  it('a set line that breaks the schema is blamed on the set line', () => {
    const e = errorOf('name: my-endpoint\n', ['traffic.blue=most'])
    expect(e.input).toBe('set')
    expect(e.message).toBe(
      "Input 'set': line 1 (traffic.blue=most): traffic.blue: expected a whole number, got the string 'most'"
    )
  })

  it('YAML syntax errors, a non-mapping, a missing file', () => {
    expect(errorOf('name: [x\n').message).toMatch(/^Input 'endpoint': endpoint\.yml:\d: YAML syntax error: /)
    expect(errorOf('- name: x\n').message).toBe(
      "Input 'endpoint': endpoint.yml:1: expected a mapping of online endpoint fields (name, auth_mode, traffic, ...)"
    )
    expect(() => readEndpointYaml('nope.yml', [], { baseDir: yamlFolder({}) })).toThrow(
      /^Input 'endpoint': the online endpoint YAML file 'nope.yml' does not exist/
    )
  })

  it('a Kubernetes endpoint (compute, as azure-ai-ml OnlineEndpoint._load decides) is refused with one message', () => {
    const dir = yamlFolder({ 'k.yml': 'name: my-endpoint\nauth_mode: key\ncompute: azureml:inferencecompute\n' })
    expect(yamlErrorOf(() => readEndpointYaml('k.yml', [], { baseDir: dir })).message).toBe(
      `Input 'endpoint': k.yml:3: compute: ${KUBERNETES_ONLINE_NOT_SUPPORTED}`
    )
  })
})
