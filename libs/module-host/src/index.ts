export {
  LoadedModule,
  ModuleCallError,
  type HealthStatus,
  type LoadOptions,
  type ModuleHealth,
} from './module-host';
