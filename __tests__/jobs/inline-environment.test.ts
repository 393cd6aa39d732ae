/**
 * Inline environments as azure-ai-ml 1.4 takes them, against what the SDK made of the same YAML
 * (`fixtures/inline-env/*.sdk.json`, printed by `fixtures/inline-env/sdk_env.py`): the name and version registered,
 * the REST body, the anonymous version with `inference_config` mixed in, and the CLI's warning for a name it drops.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readEnvironment } from '../../src/cli-yaml/environment-yaml.js'
import {
  ANONYMOUS_ENVIRONMENT_NAME,
  anonymousImageVersion,
  inferenceConfigPyYaml,
  type EnvironmentDefinition
} from '../../src/cli-yaml/environment.js'
import type { YamlProblem } from '../../src/cli-yaml/load.js'
import { readComponentYaml } from '../../src/components/yaml/component.js'
import { readJobYaml } from '../../src/jobs/yaml/index.js'
import { readDeploymentYaml } from '../../src/online-endpoints/yaml/deployment.js'
import { FIXTURES } from './helpers.js'

const DIR = join(FIXTURES, 'inline-env')

interface SdkEnvironment {
  name: string
  version: string | null
  anonymous: boolean
  warnings: string[]
  body: { properties: Record<string, unknown> }
}

const sdk = (name: string): SdkEnvironment =>
  JSON.parse(readFileSync(join(DIR, `${name}.sdk.json`), 'utf8')) as SdkEnvironment

function inlineOf(ref: { kind: string; definition?: EnvironmentDefinition } | undefined): EnvironmentDefinition {
  if (ref?.kind !== 'inline' || !ref.definition) throw new Error(`not an inline environment: ${JSON.stringify(ref)}`)
  return ref.definition
}

function definitionOf(name: string): EnvironmentDefinition {
  const file = `${name}.yml`
  if (name.startsWith('job')) return inlineOf(readJobYaml(file, [], { baseDir: DIR }).references.environment)
  if (name.startsWith('component')) {
    const read = readComponentYaml(file, [], { baseDir: DIR })
    if (read.type !== 'command') throw new Error('a command component expected')
    return inlineOf(read.references.environment)
  }
  return inlineOf(readDeploymentYaml(file, [], { baseDir: DIR }).references.environment)
}

/** The SDK's body without the defaults its serializer adds for every EnvironmentVersion (`isArchived`, a false `isAnonymous`). */
function sdkBody(s: SdkEnvironment): Record<string, unknown> {
  const { isArchived: _archived, isAnonymous, ...rest } = s.body.properties
  return isAnonymous ? { ...rest, isAnonymous } : rest
}

describe('inline environment, as azure-ai-ml 1.4 takes it', () => {
  it.each(['deployment-routes', 'deployment-anonymous'])(
    '%s: anonymous with inference_config: the SDK name, version (inference_config hashed in) and body',
    name => {
      const s = sdk(name)
      const ours = definitionOf(name)
      expect(ours.name).toBe(s.name)
      expect(ours.version).toBe(s.version)
      expect(ours.body.properties).toEqual(sdkBody(s))
      expect(ours.warning).toBeUndefined()
    }
  )

  it('deployment-named: a named environment without version keeps its name and takes the next version (SDK: version null, auto-increment)', () => {
    const s = sdk('deployment-named')
    const ours = definitionOf('deployment-named')
    expect(s.version).toBeNull()
    expect(ours.name).toBe('minimal-multimodel')
    expect(ours.version).toBeUndefined()
    expect(ours.body.properties).toEqual(sdkBody(s))
  })

  it.each(['job-named', 'component-named'])(
    '%s: a name (and version) in a job or component is dropped with the CLI warning; registered anonymously',
    name => {
      const s = sdk(name)
      const ours = definitionOf(name)
      expect(ours.name).toBe(ANONYMOUS_ENVIRONMENT_NAME)
      expect(ours.version).toBe(s.version)
      expect(ours.body.properties).toEqual(sdkBody(s))
      expect(s.warnings).toHaveLength(1)
      // The SDK's text, located at the field.
      expect(ours.warning).toContain(`${name}.yml:`)
      expect(ours.warning).toContain('environment.name: ')
      expect(ours.warning).toContain(s.warnings[0].replace(/^Warning: /, ''))
    }
  )

  it("the version hash changes with any route: inference_config is part of the environment's identity", () => {
    const routes = {
      livenessRoute: { path: '/', port: 5001 },
      readinessRoute: { path: '/ready', port: 5001 },
      scoringRoute: { path: '/score', port: 5001 }
    }
    const image = 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest'
    expect(anonymousImageVersion(image, undefined, routes)).toBe(sdk('deployment-routes').version)
    expect(
      anonymousImageVersion(image, undefined, { ...routes, scoringRoute: { path: '/score', port: 5002 } })
    ).not.toBe(sdk('deployment-routes').version)
    expect(anonymousImageVersion(image)).not.toBe(sdk('deployment-routes').version)
    // PyYAML's dump of the SDK's InferenceContainerProperties object, a quoted path included.
    expect(inferenceConfigPyYaml({ ...routes, scoringRoute: { path: 'a: b', port: 1 } })).toContain(
      "scoring_route: !!python/object:azure.ai.ml._restclient.v2022_05_01.models._models_py3.Route\n  additional_properties: {}\n  path: 'a: b'\n  port: 1\n"
    )
  })

  it('inference_config needs all three routes, each with path and port (InferenceConfigSchema, RouteSchema)', () => {
    const problems: YamlProblem[] = []
    const source = readJobYaml('job-named.yml', [], { baseDir: DIR }).source
    // The schema refuses a partial inference_config before the reader sees it; the reader takes a complete one.
    const ref = readEnvironment(
      {
        image: 'img',
        inference_config: {
          liveness_route: { path: '/', port: 1 },
          readiness_route: { path: '/', port: 1 },
          scoring_route: { path: '/s', port: 1 }
        }
      },
      source,
      ['environment'],
      problems
    )
    expect(problems).toEqual([])
    expect(inlineOf(ref).body.properties.inferenceConfig?.scoringRoute).toEqual({ path: '/s', port: 1 })
    expect(() =>
      readDeploymentYaml('deployment-routes.yml', ['environment.inference_config.scoring_route=null'], {
        baseDir: DIR
      })
    ).toThrow(/scoring_route/)
  })
})

describe('a curated environment reference', () => {
  it('without version or label, or with any label: sent as written in a job and a deployment (ArmVersionedStr allow_default_version in both schemas)', () => {
    const source = readJobYaml('job-named.yml', [], { baseDir: DIR }).source
    const problems: YamlProblem[] = []
    for (const names of ['anonymous', 'named'] as const) {
      for (const written of ['azureml:AzureML-AutoML', 'azureml:AzureML-AutoML@prod', 'azureml:AzureML-AutoML:3']) {
        expect(readEnvironment(written, source, ['environment'], problems, names)).toEqual({
          kind: 'registry',
          uri: written
        })
      }
    }
    expect(problems).toEqual([])
  })
})
