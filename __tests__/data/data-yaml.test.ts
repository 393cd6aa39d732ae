/**
 * Data YAML → the PUT {WS}/data/{name}/versions/{version} of register-data: bodies compared with what azure-ai-ml 1.4
 * builds for the same YAML (fixtures/*.sdk.json, printed by fixtures/sdk_data_body.py) and checked against mfe.json
 * 2024-04-01 `DataVersionBaseResource`; the version rule; every reader error naming file, line and field.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  datastoreName,
  isRemotePath,
  readDataYaml,
  readMlTablePaths,
  toDataRestBody,
  type DataResolver
} from '../../src/data/yaml/data.js'
import { yamlErrorOf, yamlFolder } from '../cli-yaml/helpers.js'
import { findSpec, SPEC_CANDIDATES, specResourceValidator } from '../cli-yaml/spec-schema.js'

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures')
const specPath = findSpec()
const withSpec = specPath ? it : it.skip
if (!specPath) console.warn(`SKIPPED spec validation: mfe.json 2024-04-01 not found at ${SPEC_CANDIDATES.join(' or ')}`)

/** The SDK fixtures name the uploaded content LocalUpload/HASH/<name>; the fake uploader answers the same. */
function fakeResolver(next = '7'): DataResolver & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    async uploadData(localPath, datastore) {
      calls.push(`upload ${localPath.split(/[\\/]/).filter(Boolean).pop()} ${datastore ?? 'default'}`)
      const name = localPath.split(/[\\/]/).filter(Boolean).pop()
      // uploadToDatastore's folder URI ends with '/', as a job input's does; the data body drops it as the SDK does.
      return `azureml://datastores/${datastore ?? 'workspaceblobstore'}/paths/LocalUpload/HASH/${name}${name?.includes('.') ? '' : '/'}`
    },
    async nextVersion(name) {
      calls.push(`nextVersion ${name}`)
      return next
    }
  }
}

function sdk(name: string): { name: string; version: string | null; body: { properties: Record<string, unknown> } } {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.sdk.json`), 'utf8'))
}

describe('data YAML → REST body, as azure-ai-ml 1.4 builds it', () => {
  for (const name of ['folder', 'file', 'mltable', 'cloud', 'https']) {
    it(`${name}.yml: the same body as the SDK's; the version the YAML's, else the container's next`, async () => {
      const read = readDataYaml(`${name}.yml`, [], { baseDir: FIXTURES })
      const resolver = fakeResolver()
      const request = await toDataRestBody(read, resolver)
      const expected = sdk(name)
      expect(request.name).toBe(expected.name)
      expect(request.body).toEqual(expected.body)
      if (expected.version === null) {
        expect(request.version).toBe('7')
        expect(request.versionGiven).toBe(false)
        expect(resolver.calls).toContain(`nextVersion ${expected.name}`)
      } else {
        expect(request.version).toBe(expected.version)
        expect(resolver.calls.some(c => c.startsWith('nextVersion'))).toBe(false)
      }
      const local = read.dataPath.kind === 'local'
      expect(resolver.calls.some(c => c.startsWith('upload'))).toBe(local)
    })
  }

  withSpec('every body is a valid mfe.json DataVersionBaseResource (dataType dispatched)', async () => {
    const validate = specResourceValidator(specPath as string, 'DataVersionBaseResource')
    for (const name of ['folder', 'file', 'mltable', 'cloud', 'https']) {
      const request = await toDataRestBody(readDataYaml(`${name}.yml`, [], { baseDir: FIXTURES }), fakeResolver())
      expect({ name, ok: validate(request.body), errors: validate.errors ?? null }).toEqual({
        name,
        ok: true,
        errors: null
      })
    }
    // The check can fail: a data type outside mfe.json's DataType enum.
    expect(validate({ properties: { dataType: 'uri_table', dataUri: 'https://x/y' } })).toBe(false)
  })

  it('datastore: uploads there; set lines apply; a version written 1.10 stays 1.10', async () => {
    const dir = yamlFolder({
      'd.yml': 'name: d\nversion: 1.10\npath: ./files\ndatastore: mystore\n',
      'files/a.txt': 'a'
    })
    const read = readDataYaml('d.yml', ['description=from set', 'tags.rev=abc'], { baseDir: dir })
    const resolver = fakeResolver()
    const request = await toDataRestBody(read, resolver)
    expect(request.version).toBe('1.10')
    expect(resolver.calls).toEqual(['upload files mystore'])
    expect(request.body.properties).toMatchObject({
      dataUri: 'azureml://datastores/mystore/paths/LocalUpload/HASH/files',
      description: 'from set',
      tags: { rev: 'abc' },
      properties: {}
    })
  })

  it('properties in the YAML are read (the operation warns) but not sent, as az ml data create drops them', async () => {
    const dir = yamlFolder({ 'd.yml': 'name: d\npath: https://a.blob.core.windows.net/c/x/\nproperties: {a: 1}\n' })
    const read = readDataYaml('d.yml', [], { baseDir: dir })
    expect(read.yaml.properties).toEqual({ a: 1 })
    expect((await toDataRestBody(read, fakeResolver())).body.properties.properties).toEqual({})
  })
})

describe('data YAML errors: file, line and field, before any request', () => {
  it('a uri_file that is a folder, a uri_folder (the default) that is a file', () => {
    const dir = yamlFolder({
      'f.yml': 'name: f\ntype: uri_file\npath: ./folder\n',
      'g.yml': 'name: g\n\npath: ./a.csv\n',
      'folder/x.csv': 'x',
      'a.csv': 'a'
    })
    expect(yamlErrorOf(() => readDataYaml('f.yml', [], { baseDir: dir })).message).toMatch(
      /Input 'data': f\.yml:3: path: .*is a folder; a file is needed here: type uri_file is a file/
    )
    expect(yamlErrorOf(() => readDataYaml('g.yml', [], { baseDir: dir })).message).toMatch(
      /g\.yml:3: path: .*is a file; a folder is needed here: type uri_folder is a folder/
    )
  })

  it("a type set by a set line that the YAML's path does not fit: the set line is named", () => {
    const dir = yamlFolder({ 'v.yml': 'name: v\nversion: 3\ntype: uri_folder\npath: ./folder\n', 'folder/x.csv': 'x' })
    const message = yamlErrorOf(() => readDataYaml('v.yml', ['type=uri_file'], { baseDir: dir })).message
    expect(message).toMatch(
      /^Input 'set': line 1 \(type=uri_file\): type: type uri_file needs a file, but path '.*folder' is a folder/
    )
    // Written in the file itself, the same mismatch stays the path line's.
    const inFile = yamlFolder({ 'w.yml': 'name: w\ntype: uri_file\npath: ./folder\n', 'folder/x.csv': 'x' })
    expect(yamlErrorOf(() => readDataYaml('w.yml', [], { baseDir: inFile })).message).toMatch(/w\.yml:3: path: /)
  })

  it('an MLTable whose paths point outside its folder: read, and those paths listed for a warning', () => {
    const dir = yamlFolder({
      't.yml': 'name: t\ntype: mltable\npath: ./tbl\n',
      'tbl/MLTable':
        'paths:\n  - file: ../file.csv\n  - file: ./in.csv\n  - folder: sub/../../up\n  - pattern: https://x.blob.core.windows.net/c/*.csv\n',
      'file.csv': 'a'
    })
    const read = readDataYaml('t.yml', [], { baseDir: dir })
    expect(read.outsideMlTable).toEqual(['../file.csv', 'sub/../../up'])
    expect(read.referencedUris).toHaveLength(4)
  })

  it("datastore: a name, azureml:<name> or an ARM id, as azure-ai-ml's _get_datastore_name reads it", () => {
    expect(datastoreName('workspaceblobstore')).toBe('workspaceblobstore')
    expect(datastoreName('azureml:workspaceblobstore')).toBe('workspaceblobstore')
    expect(
      datastoreName(
        '/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/datastores/mystore'
      )
    ).toBe('mystore')
  })

  it('a missing local path; an asset reference given as path', () => {
    const dir = yamlFolder({ 'm.yml': 'name: m\npath: ./nowhere\n', 'r.yml': 'name: r\npath: azureml:other:1\n' })
    expect(yamlErrorOf(() => readDataYaml('m.yml', [], { baseDir: dir })).message).toMatch(
      /m\.yml:2: path: local path .*nowhere' does not exist \(paths are relative to the data YAML's folder\)$/
    )
    expect(yamlErrorOf(() => readDataYaml('r.yml', [], { baseDir: dir })).message).toMatch(
      /r\.yml:2: path: 'azureml:other:1' is an asset reference, not a path/
    )
  })

  it('an mltable folder without an MLTable file, or whose MLTable has no paths', () => {
    const dir = yamlFolder({
      'a.yml': 'name: a\ntype: mltable\npath: ./empty\n',
      'empty/x.csv': 'x',
      'b.yml': 'name: b\ntype: mltable\npath: ./nopaths\n',
      'nopaths/MLTable': 'transformations: []\n'
    })
    expect(yamlErrorOf(() => readDataYaml('a.yml', [], { baseDir: dir })).message).toMatch(
      /a\.yml:3: path: .*holds no MLTable file/
    )
    expect(yamlErrorOf(() => readDataYaml('b.yml', [], { baseDir: dir })).message).toMatch(
      /b\.yml:3: path: .*MLTable has no 'paths' list/
    )
  })

  it('no name, a bad type (lower case only, as the SDK), an unknown field, a name with a dot', () => {
    const dir = yamlFolder({
      'n.yml': 'path: https://a/b\n',
      't.yml': 'name: t\ntype: URI_FILE\npath: https://a/b\n',
      'u.yml': 'name: u\npath: https://a/b\npaht: x\n',
      'd.yml': 'name: my.data\npath: https://a/b\n'
    })
    expect(yamlErrorOf(() => readDataYaml('n.yml', [], { baseDir: dir })).message).toMatch(
      /n\.yml:1: name: missing required field 'name'/
    )
    expect(yamlErrorOf(() => readDataYaml('t.yml', [], { baseDir: dir })).message).toMatch(
      /t\.yml:2: type: .*uri_file.*uri_folder.*mltable/
    )
    expect(yamlErrorOf(() => readDataYaml('u.yml', [], { baseDir: dir })).message).toMatch(/u\.yml:3: paht/)
    expect(yamlErrorOf(() => readDataYaml('d.yml', [], { baseDir: dir })).message).toMatch(
      /d\.yml:1: name: .*letters, digits, - and _/
    )
  })
})

describe('paths: remote or local, and MLTable paths', () => {
  it("the SDK's is_url: scheme://host is remote; a relative path, a Windows drive or azureml:name is not", () => {
    for (const remote of [
      'azureml://datastores/workspaceblobstore/paths/x/',
      'https://a.blob.core.windows.net/c/x.csv',
      'wasbs://c@a.blob.core.windows.net/x/',
      'abfss://fs@a.dfs.core.windows.net/x'
    ])
      expect(isRemotePath(remote)).toBe(true)
    for (const local of ['data/', './x.csv', 'C:\\data', 'azureml:x:1']) expect(isRemotePath(local)).toBe(false)
  })

  it('MLTable paths: folder wins over file over pattern, as MLTableMetadataPath keeps them', () => {
    const dir = yamlFolder({
      't/MLTable': 'paths:\n  - {file: ./a.csv, folder: ./f}\n  - pattern: ./*.csv\n  - file: b.csv\n'
    })
    expect(readMlTablePaths(join(dir, 't'))).toEqual(['./f', './*.csv', 'b.csv'])
  })
})
