/**
 * The event catalogue (events spec §1): each type with its payload. Producers and consumers are
 * type-checked against this map.
 */
export interface EventPayloads {
  'module.published': { version: string; signed: boolean; sha256: string; publishedBy: string };
  'module.yanked': { version: string; yanked: boolean; reason: string; by: string };
  'node.registered': { name: string; kind: 'agent' | 'simulated'; status: string; reason: string };
  'node.status_changed': { name: string; from: string; status: string; reason: string };
  'node.heartbeat_lost': {
    name: string;
    status: string;
    reason: string;
    lastHeartbeatAt: string | null;
    timeoutMs: number;
  };
}

export type EventType = keyof EventPayloads;

/** The ids an event is about; they are columns of the event log so streams can filter on them. */
export interface EventSubject {
  readonly deploymentId?: string;
  readonly environment?: string;
  readonly nodeId?: string;
  readonly moduleName?: string;
}
