// The embedded lab's API for the CLI (`trove-ha lab up|down|status`): each call
// takes a progress(line) callback and returns a structured result.
export { labUp, labUpResult, LabError, type LabUpOptions, type LabUpResult, type StepRun } from './up.ts';
export { labDown, type LabDownOptions, type LabDownResult } from './down.ts';
export { labStatus, type LabStatusOptions, type LabStatusResult } from './status.ts';
export { labPaths, LAB_DIR } from './paths.ts';
