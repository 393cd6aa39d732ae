/**
 * The logs of a failed online deployment, as a user needs them: which container's log explains the failure, and its
 * last lines made safe to print.
 *
 * A managed deployment runs two containers (Azure's "Troubleshooting online endpoints deployment and scoring", "Get
 * container logs"): the storage initializer downloads the model and the code first; only then does the inference
 * server start and run the scoring script. `OnlineDeployments_GetLogs` (mfe.json 2024-04-01, `containerType`
 * `StorageInitializer` | `InferenceServer`) reads either. When the model never downloaded (Azure/mlops-v2#120; the
 * guide's "ERROR: ResourceNotFound ... Unable to download user model"), the inference server's log is empty or only
 * says the model path is missing, and the reason is in the storage initializer's: that is the one to show.
 *
 * Both logs are service text that may hold secrets: the storage initializer logs the blob URLs it reads, SAS included.
 * Each URL with a query is registered with the runner's masking (`maskSasUrl`, as the job log streams do) and printed
 * with its credential values replaced (`redactUrl`); every known secret of the step is masked too.
 */
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import { maskSasUrl } from '../auth/mask.js'
import { maskStepSecrets, oneLine, redactUrl } from '../http/redact.js'
import type { DeploymentContainer } from './rest.js'

/** What each container's `getLogs` tail said (raw service text, '' when empty or unreadable). */
export interface DeploymentLogs {
  inferenceServer: string
  storageInitializer: string
}

/** The log that explains a failure, chosen by `explainingLog`. */
export interface ExplainingLog {
  container: DeploymentContainer
  /** Its last lines, safe to print (`printableLogLine`). */
  lines: string[]
  /** The storage initializer's log reports a failed download: what did not download. */
  downloadFailed?: 'model' | 'code'
  /** One line about the other container's log, when it is worth saying (empty, or its last line). */
  other?: string
}

/**
 * A line of the storage initializer's log that reports a failure (a download error, a missing blob, a refusal),
 * matched on the line without its URLs (a URL's path or SAS could hold any word or number).
 */
const STORAGE_FAILURE =
  /\b(error|errors|fail|failed|failure|exception|unable|cannot|could not|not found|denied|forbidden|unauthori[sz]ed)\b|BlobNotFound|AuthorizationFailure|ContainerNotFound/i
const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>]+/gi

function reportsFailure(line: string): boolean {
  return STORAGE_FAILURE.test(line.replace(URL_IN_TEXT, ' '))
}

/** Human names of the containers, as Azure's docs and `az ml online-deployment get-logs --container` call them. */
export const CONTAINER_NAMES: Record<DeploymentContainer, string> = {
  StorageInitializer: 'storage initializer',
  InferenceServer: 'inference server'
}

/**
 * One line of service log text, safe to print: each URL carrying a query string is registered with the runner's
 * masking (its SAS signature and query, `maskSasUrl`) and written with its credential values as `***`; then every
 * known secret of the step is masked. Control characters are left to the caller (lines are printed inside
 * `::stop-commands::`).
 */
export function printableLogLine(line: string): string {
  const withUrls = line.replace(URL_IN_TEXT, url => {
    const clean = url.replace(/[),.;\]]+$/, '')
    const rest = url.slice(clean.length)
    if (!clean.includes('?')) return url
    maskSasUrl(clean)
    return `${redactUrl(clean)}${rest}`
  })
  return maskStepSecrets(withUrls)
}

function lastLines(text: string, count: number): string[] {
  return text
    .split(/\r?\n/)
    .filter(line => line.trim() !== '')
    .slice(-count)
}

/**
 * Which log explains the failure, and its last `count` lines (printable):
 * - the storage initializer's, when it reports a failure (then `downloadFailed` says whether the model or the code
 *   did not download, and `other` what the inference server's log holds: nothing, or its last line);
 * - else the inference server's, when it has anything;
 * - else the storage initializer's, when it has anything;
 * - else undefined (both empty: nothing to show).
 */
export function explainingLog(logs: DeploymentLogs, count: number): ExplainingLog | undefined {
  const storage = lastLines(logs.storageInitializer, count)
  const inference = lastLines(logs.inferenceServer, count)
  const failures = storage.filter(reportsFailure)
  if (failures.length > 0) {
    const text = failures.join('\n')
    const downloadFailed = /\bcode\b/i.test(text) && !/\bmodel\b/i.test(text) ? 'code' : 'model'
    const other =
      inference.length === 0
        ? `The ${CONTAINER_NAMES.InferenceServer}'s log (container InferenceServer) is empty: it did not start.`
        : `The ${CONTAINER_NAMES.InferenceServer}'s log (container InferenceServer) ends: ` +
          oneLine(printableLogLine(inference[inference.length - 1]), 300)
    return { container: 'StorageInitializer', lines: storage.map(printableLogLine), downloadFailed, other }
  }
  if (inference.length > 0) return { container: 'InferenceServer', lines: inference.map(printableLogLine) }
  if (storage.length > 0) return { container: 'StorageInitializer', lines: storage.map(printableLogLine) }
  return undefined
}

/**
 * Prints the explaining log's lines, headed by which container they are from, inside `::stop-commands::` with a fresh
 * token (service text never acts as a workflow command; GitHub's guidance), then the note on the other container.
 */
export function printExplainingLog(deployment: string, log: ExplainingLog): void {
  core.info(
    `The last ${log.lines.length} lines of deployment ${deployment}'s ${CONTAINER_NAMES[log.container]} log ` +
      `(container ${log.container}):`
  )
  const token = randomUUID()
  core.info(`::stop-commands::${token}`)
  for (const line of log.lines) core.info(line)
  core.info(`::${token}::`)
  if (log.other) core.info(log.other)
}

/**
 * The sentence the step's error ends with: what did not download and the storage initializer's last lines, or the
 * last lines of the log that explains the failure; '' when there is none.
 */
export function explainingSentence(log: ExplainingLog | undefined): string {
  if (!log) return ''
  const tail = oneLine(log.lines.slice(-3).join(' | '), 600)
  if (log.downloadFailed) {
    return (
      ` The ${log.downloadFailed} did not download: the ${CONTAINER_NAMES.StorageInitializer}'s log (container ` +
      `StorageInitializer) ends: ${tail} Check that the ${log.downloadFailed} version's files exist in its storage ` +
      '(register it again if they were deleted).'
    )
  }
  return ` Its ${CONTAINER_NAMES[log.container]} log (container ${log.container}) ends: ${tail}`
}
