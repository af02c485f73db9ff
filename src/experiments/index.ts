/** The paper's experiments: cells over protocols and folds, tables and curves. */
export { CELL_FILE, readCellResult, runCell } from './cell.js';
export type { CellResult, CellSpec, RunCellOptions } from './cell.js';
export { EXPERIMENT_GRIDS, baselineResults, experimentCells, experimentFolderOptions, gridConfigs, runExperiment, reportExperiment } from './experiment.js';
export { claimExperimentPlan, readExperimentPlan, selectCellShard, lockCell, PLAN_FILE, CELL_LOCK_FILE } from './plan.js';
export type { ExperimentPlan } from './plan.js';
export type { BaselineScores, ExperimentGrid, ExperimentResult, ProtocolFold, RunExperimentOptions } from './experiment.js';
export { cellHistory, formatMeanStd, learningCurveSvgs, renderHtml, renderMarkdown, summarizeCells, tableTitle, isCrossTable } from './report.js';
export type { ExtraImage, ReportRow } from './report.js';
export { layoutLegend, lineChartSvg } from './svg.js';
export type { ChartSeries, ChartTick, LegendItem, LineChart } from './svg.js';
