/** Entity and relationship types the topology mirror owns; the API refuses to create them. */
export const TopologyType = {
  Environment: 'Environment',
  Node: 'Node',
  Module: 'Module',
  ModuleVersion: 'ModuleVersion',
  Deployment: 'Deployment',
} as const;

export const TopologyRelation = {
  /** Node → Environment */
  MemberOf: 'memberOf',
  /** Module → ModuleVersion */
  HasVersion: 'hasVersion',
  /** ModuleVersion → Module, with the range in `properties.range` */
  DependsOn: 'dependsOn',
  /** Node → ModuleVersion it runs; Deployment → ModuleVersion it rolls out */
  Runs: 'runs',
  /** Deployment → Environment */
  DeployedTo: 'deployedTo',
} as const;

export const TOPOLOGY_TYPES: readonly string[] = [
  ...Object.values(TopologyType),
  ...Object.values(TopologyRelation),
];
