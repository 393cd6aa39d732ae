/** The anonymous environment: PyYAML-identical conda text, the SDK's md5 version formula, the REST body. */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { anonymousImageVersion, inlineEnvironment, pyYamlDump } from '../../src/cli-yaml/environment.js'
import { FIXTURES } from './helpers.js'

const IMAGE = 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest'

describe('anonymous environment', () => {
  it('re-dumps the conda file byte for byte as PyYAML 6 yaml.dump(sort_keys=True) does (fixture made with PyYAML)', () => {
    const conda = parse(readFileSync(join(FIXTURES, 'train', 'conda.yml'), 'utf8'))
    expect(pyYamlDump(conda)).toBe(readFileSync(join(FIXTURES, 'train', 'conda.pyyaml.txt'), 'utf8'))
  })

  it('small PyYAML cases: empty collections, nested lists, quoting', () => {
    expect(pyYamlDump({})).toBe('{}\n')
    expect(pyYamlDump({ b: [], a: [[1, 'x'], { k: 'on' }] })).toBe("a:\n- - 1\n  - x\n- k: 'on'\nb: []\n")
    expect(pyYamlDump({ s: "it's: here", t: 'a #b', u: '-x', v: '- x' })).toBe(
      "s: 'it''s: here'\nt: 'a #b'\nu: -x\nv: '- x'\n"
    )
  })

  it('version = the md5 formula of azure-ai-ml _generate_anonymous_name_version (values computed with Python)', () => {
    const condaText = readFileSync(join(FIXTURES, 'train', 'conda.pyyaml.txt'), 'utf8')
    expect(anonymousImageVersion(IMAGE)).toBe('071c7872ccd87e520d5d93332fc037f0')
    expect(anonymousImageVersion(IMAGE, condaText)).toBe('df6813e4219811a864ac6cb7804edcab')
  })

  it('REST body (mfe.json EnvironmentVersion): anonymous, or under the name the YAML gives', () => {
    expect(inlineEnvironment({ image: IMAGE, tags: { a: 'b' }, description: 'd' })).toEqual({
      name: 'CliV2AnonymousEnvironment',
      version: '071c7872ccd87e520d5d93332fc037f0',
      body: { properties: { image: IMAGE, isAnonymous: true, tags: { a: 'b' }, description: 'd' } }
    })
    expect(inlineEnvironment({ image: IMAGE, name: 'my-env', version: '3' })).toEqual({
      name: 'my-env',
      version: '3',
      body: { properties: { image: IMAGE } }
    })
    const built = inlineEnvironment({ build: { contextUri: 'https://example.com/ctx/', dockerfilePath: 'Dockerfile' } })
    expect(built.body.properties).toEqual({
      build: { contextUri: 'https://example.com/ctx/', dockerfilePath: 'Dockerfile' },
      isAnonymous: true
    })
    expect(built.version).toMatch(/^[0-9a-f]{32}$/)
  })
})
