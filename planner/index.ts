export * from './types';
export { parseTaskFile, parseTaskFiles, parseChangeBlocks } from './parse-task';
export { buildPlan, touchedFiles, phaseMinutes } from './plan';
export { renderPlanMarkdown } from './render/render-markdown';
export { explainTask } from './render/explain';
export { criticalPath } from './critical-path';
