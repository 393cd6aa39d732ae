import { describe, expect, it } from '@jest/globals'
import { readFileSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { objectHash } from '../../src/assets/build-context.js'
import { listCodeFiles } from '../../src/assets/files.js'
import { anonymousBuildContextVersion } from '../../src/cli-yaml/environment.js'
import { readEnvironmentYaml } from '../../src/environments/yaml/environment.js'
import { readJobYaml } from '../../src/jobs/yaml/index.js'

const HERE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
// Written by fixtures/sdk_body.py with azure-ai-ml 1.4.0 (Environment._to_rest_object().serialize()).
const SDK = JSON.parse(readFileSync(join(HERE, 'sdk.json'), 'utf8')) as Record<
  string,
  {
    body: { properties: Record<string, unknown> }
    anonymousName?: string
    objectHash?: string
    anonymousVersion?: string
    anonymousVersionWithDockerfile?: string
  }
>

describe('environment YAML → EnvironmentVersion body (azure-ai-ml 1.4)', () => {
  it('image + conda file: the body the SDK sends, version as written', () => {
    const read = readEnvironmentYaml('image-conda.yml', [], { baseDir: HERE })
    expect(read.version).toBe('3')
    expect(read.localBuild).toBeUndefined()
    expect(read.properties).toEqual(SDK['image-conda.yml'].body.properties)
  })

  it('local build context: the hash, blob path, contextUri and anonymous versions the SDK computes', async () => {
    const read = readEnvironmentYaml('build.yml', [], { baseDir: HERE })
    expect(read.version).toBeUndefined()
    expect(read.localBuild).toEqual({ folder: join(HERE, 'docker-context'), dockerfilePath: 'Dockerfile' })
    const sdk = SDK['build.yml']
    const hash = await objectHash((await listCodeFiles(join(HERE, 'docker-context'))).files)
    expect(hash).toBe(sdk.objectHash)
    const contextUri = `https://acct.blob.core.windows.net/azureml/LocalUpload/${hash}/docker-context/`
    expect({ ...read.properties, build: { contextUri, dockerfilePath: 'Dockerfile' } }).toEqual(sdk.body.properties)
    expect(anonymousBuildContextVersion(hash)).toBe(sdk.anonymousVersion)
    expect(anonymousBuildContextVersion(hash, 'Dockerfile')).toBe(sdk.anonymousVersionWithDockerfile)
  })

  it('the object hash changes with a byte and with a name, and follows the lower-cased order', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ctx-'))
    mkdirSync(join(root, 'B'))
    writeFileSync(join(root, 'a.txt'), 'a')
    writeFileSync(join(root, 'B', 'c.txt'), 'c')
    const first = await objectHash((await listCodeFiles(root)).files)
    writeFileSync(join(root, 'a.txt'), 'b')
    const second = await objectHash((await listCodeFiles(root)).files)
    expect(second).not.toBe(first)
    // md5(seed + "a.txt" + "b" + "B" + "c.txt" + "c"): a.txt sorts before B once lower-cased.
    const { createHash } = await import('node:crypto')
    const expected = createHash('md5')
      .update('Initialize for october 2021 AML CLI version' + 'a.txt' + 'b' + 'B' + 'c.txt' + 'c')
      .digest('hex')
    expect(second).toBe(expected)
  })

  it('refuses a missing build folder, image with build, and properties, at their lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envyaml-'))
    writeFileSync(join(dir, 'bad.yml'), 'name: e\nbuild:\n  path: ./nowhere\n')
    expect(() => readEnvironmentYaml('bad.yml', [], { baseDir: dir })).toThrow(/bad\.yml:3.*build\.path.*not a folder/s)
    writeFileSync(join(dir, 'both.yml'), 'name: e\nimage: x\nbuild:\n  path: https://example.org/ctx\n')
    expect(() => readEnvironmentYaml('both.yml', [], { baseDir: dir })).toThrow(/either 'image' or 'build'/)
    writeFileSync(join(dir, 'props.yml'), 'name: e\nimage: x\nproperties:\n  a: b\n')
    expect(() => readEnvironmentYaml('props.yml', [], { baseDir: dir })).toThrow(/properties/)
    writeFileSync(join(dir, 'conda.yml'), 'name: e\nchannels: [conda-forge]\ndependencies: [python]\n')
    expect(() => readEnvironmentYaml('conda.yml', [], { baseDir: dir })).toThrow(/conda file/)
  })

  it('os_type gets a did-you-mean; a broken conda file names its line without a dangling colon', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envyaml-'))
    writeFileSync(join(dir, 'os.yml'), 'name: e\nimage: x\nos_type: windws\n')
    expect(() => readEnvironmentYaml('os.yml', [], { baseDir: dir })).toThrow(
      /os\.yml:3.*os_type: the string 'windws' is not linux or windows \(did you mean 'windows'\?\)/
    )
    writeFileSync(join(dir, 'bad-conda.yml'), 'channels: [a\ndependencies: [python]\n')
    writeFileSync(join(dir, 'e6.yml'), 'name: e\nimage: x\nconda_file: bad-conda.yml\n')
    let message = ''
    try {
      readEnvironmentYaml('e6.yml', [], { baseDir: dir })
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/e6\.yml:3.*conda_file.*is not valid YAML \(.+\)/)
    expect(message).not.toMatch(/:\)/)
  })

  it('refuses a build context without its Dockerfile, at build.path or build.dockerfile_path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envyaml-'))
    mkdirSync(join(dir, 'ctx'))
    writeFileSync(join(dir, 'ctx', 'a.txt'), 'hi\n')
    writeFileSync(join(dir, 'nodocker.yml'), 'name: e\nbuild:\n  path: ./ctx\n')
    expect(() => readEnvironmentYaml('nodocker.yml', [], { baseDir: dir })).toThrow(
      /nodocker\.yml:3.*build\.path.*no Dockerfile in the Docker build context .*ctx' \(dockerfile_path: Dockerfile/s
    )
    writeFileSync(join(dir, 'gpu.yml'), 'name: e\nbuild:\n  path: ./ctx\n  dockerfile_path: docker/Dockerfile.gpu\n')
    expect(() => readEnvironmentYaml('gpu.yml', [], { baseDir: dir })).toThrow(
      /gpu\.yml:4.*build\.dockerfile_path.*no Dockerfile.*dockerfile_path: docker\/Dockerfile\.gpu/s
    )
    mkdirSync(join(dir, 'ctx', 'docker'))
    writeFileSync(join(dir, 'ctx', 'docker', 'Dockerfile.gpu'), 'FROM python:3.11\n')
    expect(readEnvironmentYaml('gpu.yml', [], { baseDir: dir }).localBuild).toEqual({
      folder: join(dir, 'ctx'),
      dockerfilePath: 'docker/Dockerfile.gpu'
    })
  })
})

describe('environment: file:<env.yml> in a command job (azure-ai-ml YamlFileSchema)', () => {
  it('reads the file as an anonymous environment, its build path relative to the file, name dropped', async () => {
    const read = readJobYaml('job.yml', [], { baseDir: join(HERE, 'file-ref') })
    const env = read.references.environment
    expect(env.kind).toBe('inline')
    if (env.kind !== 'inline') return
    const folder = join(HERE, 'file-ref', 'environments')
    expect(env.definition.localBuild).toEqual({ folder })
    expect(env.definition.name).toBe(SDK['file-ref/job.yml'].anonymousName)
    expect(env.definition.warning).toMatch(
      /env\.yml:2: name: the provided asset name 'nccltests_azureml' will not be used for anonymous registration \(nor its version openmpi4\.1\.0-cuda11\.1-cudnn8-ubuntu18\.04\): an inline environment of a job is registered as/
    )
    const hash = await objectHash((await listCodeFiles(folder)).files)
    expect(anonymousBuildContextVersion(hash)).toBe(SDK['file-ref/job.yml'].anonymousVersion)
  })

  it('a missing file is refused at the environment field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fileref-'))
    writeFileSync(join(dir, 'job.yml'), 'command: echo\nenvironment: file:./nope.yml\ncompute: azureml:c\n')
    expect(() => readJobYaml('job.yml', [], { baseDir: dir })).toThrow(
      /job\.yml:2.*environment.*nope\.yml' does not exist/s
    )
  })
})
