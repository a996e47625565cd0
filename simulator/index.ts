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
  type SimulationStats,
} from './simulation.js';
export { createRandom, seedFrom, type Random } from './prng.js';
