/** Which versions of a module the nodes of an environment run (the fleet implements it). */
export interface ModuleInventory {
  /** One entry per node of the environment: the module's active version there, or null. */
  activeVersions(environment: string, moduleName: string): Promise<(string | null)[] | null>;
}

/** DI token of the {@link ModuleInventory}; `activeVersions` answers null for an unknown environment. */
export const MODULE_INVENTORY = Symbol('hotswap.ModuleInventory');
