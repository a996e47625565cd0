/**
 * A whole province of virtual devices, for tests, demos and benchmarks: a seeded inventory generator and
 * a simulation that runs the real agent of devices/ once per monitored device.
 */
export {
  AN_GIANG_BOUNDS,
  DEFAULT_SCHEDULE,
  generateProvince,
  provinceSpecSchema,
  SIMULATOR_SCRYPT_COST,
  writeProvince,
  type GeneratedProvince,
  type ProvinceSpec,
  type WrittenProvince,
} from './generate.js';
export {
  createSimulation,
  SimulationConfigError,
  type Simulation,
  type SimulationOptions,
  type SimulationReport,
  type SimulationStats,
} from './simulation.js';
export {
  FAULT_KINDS,
  loadScenario,
  parseDuration,
  parseScenario,
  scenarioSchema,
  type FaultKind,
  type Scenario,
} from './scenario.js';
export { type InjectedFault } from './faults.js';
export { DeviceLedger, type LedgerEntry } from './ledger.js';
export { expectedPoints, verifyRun, type Verification, type VerifyOptions } from './verify.js';
export { createRandom, seedFrom, type Random } from './prng.js';
export {
  AN_GIANG_MERGED_BOUNDS,
  PRESET_NAMES,
  presetSpec,
  PROVINCE_PRESETS,
  type ProvincePreset,
} from './presets.js';
export { AN_GIANG_DISTRICTS, AN_GIANG_UNITS, type AnGiangDistrict, type RealUnit } from './an-giang-units.js';
export { backfill, type BackfillOptions, type BackfillResult, type Outage } from './backfill.js';
export {
  backfillSummaries,
  type SummaryBackfillOptions,
  type SummaryBackfillResult,
} from './backfill-summaries.js';
export { WINDOW_CONTENT } from './programmes.js';
export {
  closeLoadFleet,
  connectLoadFleet,
  createPublishLoop,
  LoadConfigError,
  runLoad,
  type LoadConnection,
  type LoadFleet,
  type LoadFleetOptions,
  type LoadOptions,
  type LoadResult,
  type LoadRun,
  type PublishLoop,
  type PublishLoopOptions,
} from './load.js';
