export { awrr, defaultAwrrOptions, resolveSeed, type AwrrOptions, type ResolvedAwrrOptions, type StrategyModuleOption, userTestsProjectName } from './awrr-plugin.ts'
export { compileScenario, type CompiledModule, type CompileInput } from './compile-scenario.ts'
export { ServiceStartError, startOnce, startedServices, stopStartedServices } from './start-once.ts'
