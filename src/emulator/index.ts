/**
 * Public surface of the Graph API emulator (see app.ts).
 */
export { createEmulator, type Emulator, type EmulatorOptions } from './app.js';
export { EmulatorState, type EventFilter, type FaultInput, type Faults, type PixelInfo, type RecordedEvent, type RecordedLookup, type RejectedRequest, type TokenCheck } from './state.js';
export type { GraphError, GraphErrorBody, RateLimitCode } from './errors.js';
export { validateEventsRequest, type ValidEvent, type ValidationResult, type RuleOptions } from './rules.js';
export { datasetQuality, type DatasetQuality } from './dataset-quality.js';
