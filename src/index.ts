import { run } from './main.js'

// The only side effect of the bundle: tests import main.ts, not this file.
await run()
