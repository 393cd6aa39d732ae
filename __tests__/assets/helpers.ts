/** Builds the trees of fixtures/hash-trees.json (the folders whose azure-ai-ml hashes are recorded there). */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeTree } from '../runs/snapshot/helpers.js'

export { cleanup, link, tempDir, writeTree } from '../runs/snapshot/helpers.js'

type Content = string | { repeat: string; times: number }

export interface HashTree {
  files: Record<string, Content>
  /** A file to hash instead of the folder. */
  target?: string
  /** azure-ai-ml's hash (sdk_hash.py). */
  expected: string
}

export const HASH_TREES: Record<string, HashTree> = (
  JSON.parse(readFileSync(new URL('./fixtures/hash-trees.json', import.meta.url), 'utf8')) as {
    trees: Record<string, HashTree>
  }
).trees

export function contentOf(value: Content): Buffer {
  return Buffer.from(typeof value === 'string' ? value : value.repeat.repeat(value.times), 'utf8')
}

/** Writes `tree` under `root` (in `order`, to show the file system's order doesn't matter); returns what to hash. */
export async function buildTree(
  root: string,
  tree: HashTree,
  order: 'as-listed' | 'reversed' = 'as-listed'
): Promise<string> {
  const entries = Object.entries(tree.files).map(([path, value]) => [path, contentOf(value)] as const)
  if (order === 'reversed') entries.reverse()
  for (const [path, content] of entries) await writeTree(root, { [path]: content })
  return tree.target ? join(root, tree.target) : root
}
