/** Small file-system helpers the tests need beyond node:fs/promises. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
export { chmod } from 'node:fs/promises'

/** Makes a named pipe with mkfifo(1); false where there is none (Windows), so the test can skip. */
export async function mkfifo(path: string): Promise<boolean> {
  if (process.platform === 'win32') return false
  try {
    await promisify(execFile)('mkfifo', [path])
    return true
  } catch {
    return false
  }
}
