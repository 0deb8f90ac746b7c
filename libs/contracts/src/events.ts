/**
 * The event catalogue (events spec §1): each type with its payload. Producers and consumers are
 * type-checked against this map.
 */
export interface EventPayloads {
  'module.published': { version: string; signed: boolean; sha256: string; publishedBy: string };
  'module.yanked': { version: string; yanked: boolean; reason: string; by: string };
}

export type EventType = keyof EventPayloads;

/** The ids an event is about; they are columns of the event log so streams can filter on them. */
export interface EventSubject {
  readonly deploymentId?: string;
  readonly environment?: string;
  readonly nodeId?: string;
  readonly moduleName?: string;
}
