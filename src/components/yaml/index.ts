/** The component YAML of register-component: command (component.ts) and parallel (parallel-component.ts) files, their reading, checking and REST body. */
export * from './component.js'
export * from './parallel-component.js'
