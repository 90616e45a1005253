export { startEntraSimulator, DEFAULT_TENANTS } from './entra-simulator';
export { generateDirectory, directoryMix, tenantIdFromSeed, onMicrosoftDomainFor, SKUS } from './directory-seed';
export {
  SimulatorError,
  type AssignedLicense,
  type DirectoryControl,
  type EntraSimulator,
  type EntraSimulatorOptions,
  type LifecycleEvent,
  type SimulatedSubscription,
  type SimulatedTenantSpec,
  type SimulatedUser,
  type SimulatedUserInput,
  type SimulatedUserKind,
  type SimulatedUserPatch,
  type TenantSummary,
} from './types';
