export { AwrrReporter, type AwrrReporterOptions } from './awrr-reporter.ts'
export { collectTaskSummaries } from './collect.ts'
export { shouldUseColor, type ColorEnvironment } from './color.ts'
export { compareReports, renderComparisonMarkdown, type ChangeVerdict, type MetricChange, type ReportComparison } from './compare-reports.ts'
export { csvField, renderCsvReport } from './csv-report.ts'
export { GateConfigError, isGateConfigError } from './gate-error.ts'
export {
  describeActual,
  describeRequirement,
  evaluateBaseline,
  evaluateThresholds,
  gateOperators,
  parseGateList,
  parseThresholdOptions,
  resolveThresholds,
  validateTolerance,
  type GateOperator,
  type GateResult,
  type Threshold,
  type ThresholdOptions,
  type ToleranceOptions,
} from './gates.ts'
export { escapeHtml } from './html-escape.ts'
export { renderHtmlReport, type HtmlReportOptions } from './html-report.ts'
export {
  buildJsonReport,
  defaultReference,
  parseJsonReport,
  readJsonReport,
  serializeJsonReport,
  withGates,
  writeFileAtomic,
  writeJsonReport,
  type BuildJsonReportInput,
  type JsonGateResult,
  type JsonInterval,
  type JsonLearningBatch,
  type JsonLearningCurve,
  type JsonPairedComparison,
  type JsonPassHatK,
  type JsonRca,
  type JsonRcaScore,
  type JsonReport,
  type JsonScenarioEntry,
  type JsonStrategyReport,
  type JsonTaskEntry,
} from './json-report.ts'
export {
  computeLearningCurve,
  defaultLearningThreshold,
  renderSparkline,
  type LearningBatch,
  type LearningCurve,
} from './learning-curve.ts'
export {
  defaultLeaderboardOptions,
  leaderboardCells,
  leaderboardMetrics,
  renderLeaderboard,
  renderLeaderboardMarkdown,
  type LeaderboardCell,
  type LeaderboardOptions,
  type LeaderboardRow,
  type ResolvedLeaderboardOptions,
} from './leaderboard.ts'
export { escapeMarkdownCell } from './markdown-escape.ts'
export { formatInterval, renderGatesMarkdown, renderMarkdownReport, renderStepSummary, type MarkdownReportOptions } from './markdown-report.ts'
export {
  formatExact,
  formatMetric,
  formatPValue,
  formatSigned,
  isMetricKey,
  metricCatalog,
  metricInfo,
  rateKeys,
  type MetricInfo,
  type MetricKey,
  type RateKey,
} from './metric-catalog.ts'
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
export { comparePaired, mcnemarExactP, type PairedComparison } from './paired-comparison.ts'
export { allSucceedProbability, commonTrials, passHatCurve, passHatK, taskTrials, type PassHatPoint, type TaskTrials } from './pass-k.ts'
export { computeRca, type ConfusionMatrix, type RcaScore, type StrategyRca } from './rca.ts'
export { baselineOf, renderReportFile, reportFileNames, reportFormats, writeReportFiles, type RenderFileOptions, type ReportFormat } from './report-files.ts'
export { compareTaskSummaries } from './task-order.ts'
export type {} from './task-meta.ts'
export {
  defaultTerminalReportOptions,
  renderTerminalReport,
  type ResolvedTerminalReportOptions,
  type TerminalReportOptions,
} from './terminal-report.ts'
export { wilsonInterval, type ProportionInterval } from './wilson.ts'
