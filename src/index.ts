export { awrr, startOnce, type AwrrOptions } from './plugin/index.ts'
export * as runtime from './runtime/index.ts'
