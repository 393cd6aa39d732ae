/**
 * The sweep job type of submit-job (`type: sweep`, a hyperparameter sweep: HyperDrive trials of one command): read and
 * check the YAML (`read.ts`, every problem as `file:line: field` before anything is sent), then upload the trial's code
 * and register its environment as a command job does and build the body of `PUT {WS}/jobs/{name}` (`to-rest.ts`).
 * Registered in `../job-types.ts`; its trials are followed by `../sweep-follow.ts`.
 *
 *   const read = readSweepJob(source)                                        // throws JobYamlError
 *   const body = await toSweepRestBody(read, resolver, { jobName, defaultExperimentName })
 */
export { readSweepJob, SEARCH_SPACE_TYPES, samplingType } from './read.js'
export type { SweepJobRead, SweepJobYaml, SearchSpaceYaml } from './read.js'
export { toSweepRestBody, searchSpaceRest, type SweepJobProperties } from './to-rest.js'
