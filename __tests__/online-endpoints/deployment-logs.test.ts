/**
 * Which container's log explains a failed deployment (kind 6 of issue 18, Azure/mlops-v2#120), and that its lines are
 * printed without the SAS a storage initializer logs.
 */
import { describe, expect, it } from '@jest/globals'
import { explainingLog, explainingSentence, printableLogLine } from '../../src/online-endpoints/deployment-logs.js'

const SAS_URL =
  'https://acct.blob.core.windows.net/azureml/models/m/?sv=2021-08-06&se=2030-01-01T00%3A00%3A00Z&sp=r&sig=AbCdEf0123456789SeCrEt%3D'
const STORAGE_FAILED = [
  '2024-01-01T00:00:00Z Downloading model azureml://datastores/workspaceblobstore/paths/models/m/',
  `2024-01-01T00:00:01Z Source: ${SAS_URL}`,
  '2024-01-01T00:00:02Z Error: failed to download the model: BlobNotFound'
].join('\n')
const STORAGE_OK = 'Downloading model x\nDownloaded 3 model file(s) to /var/azureml-app/model\n'
const TRACEBACK = 'Traceback (most recent call last):\nValueError: the model file is corrupt\n'

describe('explainingLog', () => {
  it('picks the storage initializer when it reports a failed download and the inference server log is empty', () => {
    const log = explainingLog({ inferenceServer: '', storageInitializer: STORAGE_FAILED }, 30)!
    expect(log.container).toBe('StorageInitializer')
    expect(log.downloadFailed).toBe('model')
    expect(log.lines).toHaveLength(3)
    expect(log.other).toMatch(/inference server's log \(container InferenceServer\) is empty/)
    expect(explainingSentence(log)).toMatch(/The model did not download: the storage initializer's log/)
  })

  it('picks the storage initializer also when the inference server only says the model path is missing', () => {
    const log = explainingLog(
      {
        inferenceServer: "FileNotFoundError: [Errno 2] No such file or directory: '/var/azureml-app/model/model.pkl'\n",
        storageInitializer: STORAGE_FAILED
      },
      30
    )!
    expect(log.container).toBe('StorageInitializer')
    expect(log.other).toMatch(/ends: FileNotFoundError/)
  })

  it('says the code did not download when only code is named in the failure', () => {
    const log = explainingLog(
      { inferenceServer: '', storageInitializer: 'Downloading code c\nError: failed to download the code: 403\n' },
      30
    )!
    expect(log.downloadFailed).toBe('code')
  })

  it('picks the inference server when the downloads went well', () => {
    const log = explainingLog({ inferenceServer: TRACEBACK, storageInitializer: STORAGE_OK }, 30)!
    expect(log.container).toBe('InferenceServer')
    expect(log.downloadFailed).toBeUndefined()
    expect(explainingSentence(log)).toMatch(/inference server log \(container InferenceServer\) ends: .*corrupt/)
  })

  it('falls back to the storage initializer when the inference server said nothing; none when both are empty', () => {
    expect(explainingLog({ inferenceServer: '\n', storageInitializer: STORAGE_OK }, 30)?.container).toBe(
      'StorageInitializer'
    )
    expect(explainingLog({ inferenceServer: '', storageInitializer: '' }, 30)).toBeUndefined()
    expect(explainingSentence(undefined)).toBe('')
  })

  it('a word in a URL (a path named error, a SAS) is not a failure of the storage initializer', () => {
    const storage =
      'Source: https://acct.blob.core.windows.net/c/error-analysis/model/?sv=1&sig=Failed404%2B\nDownloaded 2 model file(s)\n'
    expect(explainingLog({ inferenceServer: TRACEBACK, storageInitializer: storage }, 30)!.container).toBe(
      'InferenceServer'
    )
  })

  it('keeps only the last `count` lines', () => {
    const many = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n')
    expect(explainingLog({ inferenceServer: many, storageInitializer: '' }, 5)!.lines).toEqual([
      'line 45',
      'line 46',
      'line 47',
      'line 48',
      'line 49'
    ])
  })
})

describe('printableLogLine', () => {
  it('masks the SAS signature of a URL in a log line, keeping the rest readable', () => {
    const line = printableLogLine(`Source: ${SAS_URL}.`)
    expect(line).not.toContain('AbCdEf0123456789SeCrEt')
    expect(line).toContain('https://acct.blob.core.windows.net/azureml/models/m/?')
    expect(line).toContain('sig=***')
    expect(line.endsWith('.')).toBe(true)
  })

  it('leaves lines without a URL query as they are', () => {
    expect(printableLogLine('Downloaded 3 files from https://acct.blob.core.windows.net/c/p/')).toBe(
      'Downloaded 3 files from https://acct.blob.core.windows.net/c/p/'
    )
  })
})
