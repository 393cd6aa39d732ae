/** Test helpers for the job YAML suites: temporary job folders and a recording fake ReferenceResolver. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { EnvironmentDefinition } from '../../src/cli-yaml/environment.js'
import type { ReferenceResolver } from '../../src/jobs/yaml/references.js'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
export const WS =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws'

/** A temporary folder holding `job.yml` (the given text) and any other files (`name → content`; `name/` → folder). */
export function jobFolder(yamlText: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobyaml-'))
  writeFileSync(join(dir, 'job.yml'), yamlText)
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/')) mkdirSync(join(dir, name), { recursive: true })
    else {
      mkdirSync(dirname(join(dir, name)), { recursive: true })
      writeFileSync(join(dir, name), content)
    }
  }
  return dir
}

/** A resolver that records its calls and answers with ids under WS. */
export class FakeResolver implements ReferenceResolver {
  readonly calls: string[] = []
  readonly environments: EnvironmentDefinition[] = []
  async environmentId(name: string, version: string): Promise<string> {
    this.calls.push(`environmentId ${name} ${version}`)
    return `${WS}/environments/${name}/versions/${version === 'latest' ? '7' : version}`
  }
  async codeId(name: string, version: string): Promise<string> {
    this.calls.push(`codeId ${name} ${version}`)
    return `${WS}/codes/${name}/versions/${version === 'latest' ? '2' : version}`
  }
  async computeId(name: string): Promise<string> {
    this.calls.push(`computeId ${name}`)
    return `${WS}/computes/${name}`
  }
  async dataId(name: string, version: string): Promise<string> {
    this.calls.push(`dataId ${name} ${version}`)
    return `azureml:${WS}/data/${name}/versions/${version === 'latest' ? '4' : version}`
  }
  async modelId(name: string, version: string): Promise<string> {
    this.calls.push(`modelId ${name} ${version}`)
    return `azureml:${WS}/models/${name}/versions/${version === 'latest' ? '5' : version}`
  }
  async uploadCode(localFolder: string): Promise<string> {
    this.calls.push(`uploadCode ${localFolder}`)
    return `${WS}/codes/7c1f3a2e-0000-4000-8000-000000000001/versions/1`
  }
  async uploadInput(localPath: string): Promise<string> {
    this.calls.push(`uploadInput ${localPath}`)
    return 'azureml://datastores/workspaceblobstore/paths/LocalUpload/0123abcd/data/'
  }
  async registerEnvironment(definition: EnvironmentDefinition): Promise<string> {
    this.calls.push(`registerEnvironment ${definition.name} ${definition.version}`)
    this.environments.push(definition)
    return `${WS}/environments/${definition.name}/versions/${definition.version}`
  }
}
