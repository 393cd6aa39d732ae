/** The error of a job YAML: a `CliYamlError` whose file is named by input `job`. */
import { CliYamlError, type YamlProblem } from '../../cli-yaml/load.js'

/** One or more problems in the job YAML (or in a `set` line), each naming the file, the line and the field. */
export class JobYamlError extends CliYamlError {
  constructor(problems: YamlProblem[]) {
    super('job', problems)
    this.name = 'JobYamlError'
  }
}

/** The same problems as a JobYamlError (errors of the shared reading code are CliYamlErrors). */
export function asJobYamlError(e: unknown): unknown {
  return e instanceof CliYamlError && !(e instanceof JobYamlError) ? new JobYamlError(e.problems) : e
}
