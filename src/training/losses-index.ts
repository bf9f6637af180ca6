/** Losses and class weights, as one namespace of the public API. */
export * from './class-weights.js';
export * from './losses.js';
export { TASK_TARGETS, type TaskHead, taskHead } from './multitask.js';
