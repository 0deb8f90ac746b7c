import type { DesiredState, ModuleReport, OperationResult } from '../desired-state.service';
import { MODULE_SLOT_STATES, type ModuleSlotState } from '../module-slots';
import type { NodeMetrics } from '../node-status';

/** Protocol version carried in `welcome`; docs/agent-protocol.md describes it. */
export const AGENT_PROTOCOL_VERSION = 1;
export const AGENT_PATH = '/agent';
/** Largest message an agent may send. */
export const MAX_AGENT_MESSAGE_BYTES = 64 * 1024;
/** An agent must say hello this soon after connecting. */
export const HELLO_TIMEOUT_MS = 10_000;

/** WebSocket close codes the server uses (4000–4999 are application codes). */
export const CloseCode = {
  BadMessage: 4400,
  Impersonation: 4403,
  HelloTimeout: 4408,
  Replaced: 4409,
  Decommissioned: 4410,
  ServerShutdown: 1001,
} as const;

export interface HelloMessage {
  readonly type: 'hello';
  readonly nodeId: string;
  readonly agentVersion: string;
  readonly modules: ModuleReport[];
}

export interface HeartbeatMessage {
  readonly type: 'heartbeat';
  readonly nodeId: string;
  readonly metrics: NodeMetrics;
  readonly modules?: ModuleReport[];
}

export interface ReportMessage {
  readonly type: 'report';
  readonly nodeId: string;
  readonly generation: number;
  readonly results: OperationResult[];
  readonly modules: ModuleReport[];
}

export type AgentMessage = HelloMessage | HeartbeatMessage | ReportMessage;

export interface WelcomeMessage {
  readonly type: 'welcome';
  readonly protocol: number;
  readonly nodeId: string;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
}

export interface DesiredMessage extends DesiredState {
  readonly type: 'desired';
}

export interface ErrorMessage {
  readonly type: 'error';
  readonly code: string;
  readonly message: string;
}

export type ServerMessage = WelcomeMessage | DesiredMessage | ErrorMessage;

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isVersion = (v: unknown): v is string | null =>
  v === null || (typeof v === 'string' && v.length > 0 && v.length <= 256);
const MODULE_NAME = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;

function parseModules(value: unknown, field: string): Parsed<ModuleReport[]> {
  if (!Array.isArray(value) || value.length > 200)
    return { ok: false, error: `${field} must be an array (at most 200)` };
  const out: ModuleReport[] = [];
  for (const m of value) {
    if (
      !isRecord(m) ||
      typeof m.moduleName !== 'string' ||
      !MODULE_NAME.test(m.moduleName) ||
      !isVersion(m.activeVersion ?? null) ||
      !isVersion(m.standbyVersion ?? null) ||
      !isVersion(m.previousVersion ?? null) ||
      !(MODULE_SLOT_STATES as readonly unknown[]).includes(m.state)
    ) {
      return {
        ok: false,
        error: `${field} entries need moduleName, activeVersion, standbyVersion, previousVersion and state`,
      };
    }
    if (m.previousLoaded !== undefined && typeof m.previousLoaded !== 'boolean') {
      return { ok: false, error: `${field} entries' previousLoaded must be true or false` };
    }
    const previousVersion = (m.previousVersion ?? null) as string | null;
    out.push({
      moduleName: m.moduleName,
      activeVersion: (m.activeVersion ?? null) as string | null,
      standbyVersion: (m.standbyVersion ?? null) as string | null,
      previousVersion,
      // An agent that does not say keeps its previous version loaded (protocol 1 before retention).
      previousLoaded: previousVersion !== null && (m.previousLoaded ?? true),
      state: m.state as ModuleSlotState,
    });
  }
  return { ok: true, value: out };
}

function parseMetrics(value: unknown): Parsed<NodeMetrics> {
  if (!isRecord(value)) return { ok: false, error: 'metrics must be an object' };
  const num = (key: string, max: number): number | undefined => {
    const v = value[key];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max ? v : undefined;
  };
  const metrics = {
    cpuPercent: num('cpuPercent', 100),
    memoryPercent: num('memoryPercent', 100),
    latencyP95Ms: num('latencyP95Ms', 3_600_000),
    errorRate: num('errorRate', 100),
    requestsPerSecond: num('requestsPerSecond', 1e9),
  };
  const missing = Object.entries(metrics)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length > 0)
    return { ok: false, error: `metrics ${missing.join(', ')} missing or out of range` };
  return { ok: true, value: metrics as NodeMetrics };
}

/** Parses and checks one agent message; anything malformed is an error naming what is wrong. */
export function parseAgentMessage(raw: string): Parsed<AgentMessage> {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'message is not JSON' };
  }
  if (!isRecord(data) || typeof data.type !== 'string') return { ok: false, error: 'message needs a type' };
  if (typeof data.nodeId !== 'string') return { ok: false, error: 'message needs the nodeId it speaks for' };
  const nodeId = data.nodeId;
  switch (data.type) {
    case 'hello': {
      if (
        typeof data.agentVersion !== 'string' ||
        data.agentVersion.length === 0 ||
        data.agentVersion.length > 64
      ) {
        return { ok: false, error: 'hello needs agentVersion' };
      }
      const modules = parseModules(data.modules ?? [], 'modules');
      if (!modules.ok) return modules;
      return {
        ok: true,
        value: { type: 'hello', nodeId, agentVersion: data.agentVersion, modules: modules.value },
      };
    }
    case 'heartbeat': {
      const metrics = parseMetrics(data.metrics);
      if (!metrics.ok) return metrics;
      if (data.modules === undefined)
        return { ok: true, value: { type: 'heartbeat', nodeId, metrics: metrics.value } };
      const modules = parseModules(data.modules, 'modules');
      if (!modules.ok) return modules;
      return {
        ok: true,
        value: { type: 'heartbeat', nodeId, metrics: metrics.value, modules: modules.value },
      };
    }
    case 'report': {
      if (typeof data.generation !== 'number' || !Number.isInteger(data.generation) || data.generation < 0) {
        return { ok: false, error: 'report needs the generation it answers' };
      }
      if (!Array.isArray(data.results)) return { ok: false, error: 'report needs results' };
      const results: OperationResult[] = [];
      for (const r of data.results as unknown[]) {
        if (!isRecord(r) || typeof r.moduleName !== 'string' || typeof r.ok !== 'boolean') {
          return { ok: false, error: 'results entries need moduleName and ok' };
        }
        results.push({
          moduleName: r.moduleName,
          ok: r.ok,
          ...(typeof r.error === 'string' ? { error: r.error.slice(0, 1000) } : {}),
        });
      }
      const modules = parseModules(data.modules ?? [], 'modules');
      if (!modules.ok) return modules;
      return {
        ok: true,
        value: { type: 'report', nodeId, generation: data.generation, results, modules: modules.value },
      };
    }
    default:
      return { ok: false, error: `unknown message type '${data.type}'` };
  }
}
