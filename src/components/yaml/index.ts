/** The component YAML of register-component (component.ts): reading, checking, and the REST body. */
export * from './component.js'
