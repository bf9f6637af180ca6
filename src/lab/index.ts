/** The lab's public surface: study files, the runner, the store, statistics, the notebook. */
export {
  type Arm,
  applyMeasure,
  describeMeasure,
  measureKind,
  planArms,
  stackArm,
} from './config/arms.js';
export {
  hashConfig,
  type LoadedStudy,
  loadPretrainFile,
  loadStudyFile,
  parseStudy,
  StudyFileError,
} from './config/load.js';
export {
  MEASURE_KINDS,
  METRICS,
  type MeasureConfig,
  type MeasureKind,
  type MetricName,
  type PretrainConfig,
  Study,
  type StudyConfig,
} from './config/schema.js';
export { type ArmCost, armCost, timeNote } from './cost.js';
export * from './export/index.js';
export {
  describeEstimate,
  estimateTrialMemory,
  type MemoryEstimate,
} from './memory-budget.js';
export {
  checkNoteMeasure,
  type Evidence,
  measureKey,
  type NotebookEntry,
  notebookEntries,
  type SharedTrials,
  STANDINGS,
  type Standing,
  standingOf,
  standingWithReason,
} from './notebook.js';
export { type LinkTrial, linksOf, sharedTrials } from './notebook-links.js';
export {
  type ArmProgress,
  type ArmStatus,
  armStatuses,
  type PlanOptions,
  plannedTrials,
  seedSavings,
  sequentialStatus,
  speculativeTrials,
} from './planner.js';
export { isMemoryFailure } from './pool/memory-faults.js';
export {
  checkDisk,
  checkMemory,
  type MemoryBudget,
  memoryBudget,
  preflight,
  resolvePaths,
} from './preflight.js';
export { acquireRunLock, StudyRunningError } from './run-lock.js';
export { planWarnings, studyWarnings } from './runner/warnings.js';
export {
  BaselineFailedError,
  describeProgress,
  planOf,
  type RunOptions,
  runStudy,
  type SharedOptions,
  type StudyOutcome,
  type StudyProgress,
} from './runner.js';
export { type Calibration, calibrate } from './stats/calibration.js';
export {
  criticalValues,
  DEFAULT_RULE,
  INTERVAL_RULES,
  type IntervalRule,
  minDecisiveSeeds,
  resolutionOf,
} from './stats/rules.js';
export { falseVerdictRate, repeatedLevel } from './stats/sequential.js';
export {
  familyFigure,
  planFor,
  recordRule,
  type VerdictRule,
} from './stats/study-rule.js';
export {
  effectOf,
  pairedDifferences,
  VERDICTS,
  type Verdict,
  verdictFor,
} from './stats/verdict.js';
export * from './store/index.js';
export {
  runTrial,
  setupTrial,
  type TrialInput,
  type TrialOutput,
  type TrialSetup,
} from './trial/run-trial.js';
export {
  assertSameTraining,
  runWorker,
  TRAINING_CODE_VERSION,
  TrainingVersionError,
  type WorkerOptions,
  type WorkerSummary,
} from './worker/index.js';
