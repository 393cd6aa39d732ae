import { runPost } from './post-main.js'

// The post step's only side effect: tests import post-main.ts, not this file.
await runPost()
