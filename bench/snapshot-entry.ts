/**
 * Child process of the snapshot benchmark, bundled at bench time (never committed): the action's own snapshot code
 * (walk, limits, zip) on a folder, writing the zip to a path. Prints one `BENCH_RESULT {json}` line.
 *
 *   node snapshot-entry.js <source-dir> <out.zip>
 */
import { prepareSnapshot, zipSnapshot } from '../src/runs/snapshot/index.js'

const [sourceDir, out] = process.argv.slice(2)
if (!sourceDir || !out) throw new Error('usage: snapshot-entry <source-dir> <out.zip>')
const started = performance.now()
const plan = await prepareSnapshot(sourceDir)
const zip = await zipSnapshot(plan, out)
const ms = performance.now() - started
console.log(
  `BENCH_RESULT ${JSON.stringify({ ms, files: zip.files, bytes: zip.bytes, maxRssKb: process.resourceUsage().maxRSS })}`
)
