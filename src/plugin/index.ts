export { awrr, defaultAwrrOptions, resolveSeed, type AwrrOptions, type ResolvedAwrrOptions, type StrategyModuleOption } from './awrr-plugin.ts'
export { compileScenario, type CompiledModule, type CompileInput } from './compile-scenario.ts'
