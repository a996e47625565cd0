/** The composition root: the `loa` commands and the one-machine stack they run. */
export { createLocalStack, type LocalStack, type LocalStackOptions } from './stack.js';
export { readRecord, writeRecord, type RunRecord } from './record.js';
