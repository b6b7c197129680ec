export { AwrrReporter, type AwrrReporterOptions } from './awrr-reporter.ts'
export { collectTaskSummaries } from './collect.ts'
export { shouldUseColor, type ColorEnvironment } from './color.ts'
export {
  buildJsonReport,
  serializeJsonReport,
  writeJsonReport,
  type BuildJsonReportInput,
  type JsonGateResult,
  type JsonReport,
  type JsonStrategyReport,
  type JsonTaskEntry,
} from './json-report.ts'
export {
  defaultLeaderboardOptions,
  renderLeaderboard,
  renderLeaderboardMarkdown,
  type LeaderboardOptions,
  type LeaderboardRow,
  type ResolvedLeaderboardOptions,
} from './leaderboard.ts'
export {
  computeStrategyMetrics,
  countStrategy,
  groupByStrategy,
  isSrrEligible,
  metricsFromCounts,
  orderStrategies,
  type StrategyCounts,
  type StrategyMetrics,
} from './metrics.ts'
export { compareTaskSummaries } from './task-order.ts'
export type {} from './task-meta.ts'
export { wilsonInterval, type ProportionInterval } from './wilson.ts'
