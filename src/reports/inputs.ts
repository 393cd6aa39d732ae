/**
 * The inputs of the PR report, shared by the operations that follow a run or a job to its end: `comment-on-pr` and
 * `github-token` (masked).
 */
import { InputError } from '../base/errors.js'
import { bool, optionalSecret } from '../action/input-readers.js'
import type { PrCommentSettings } from './pr-comment.js'

/** `comment-on-pr` and `github-token` (masked; the action.yml default is the workflow's own token). */
export function readPrComment(): PrCommentSettings | undefined {
  if (!bool('comment-on-pr', false)) return undefined
  const token = optionalSecret('github-token', { singleLine: true })
  if (!token) {
    throw new InputError(
      'github-token',
      'required with comment-on-pr: true: a token that may comment on pull requests (the default, ' +
        '${{ github.token }}, does with permissions: pull-requests: write).'
    )
  }
  return { token }
}
