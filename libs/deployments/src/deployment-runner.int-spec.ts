import { CoordinationModule } from '@hotswap/coordination';
import { generateKeyPairSync } from 'node:crypto';
import { Global, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { register, type MetricValueWithName } from 'prom-client';
import { AuditModule, AuditService, type AuditEntry } from '@hotswap/audit';
import { ConfigModule, loadConfig } from '@hotswap/config';
import { DeploymentErrorCode, SYSTEM_PRINCIPAL, type Principal } from '@hotswap/contracts';
import { Database, DatabaseModule } from '@hotswap/database';
import { EventLog, EventsModule } from '@hotswap/events';
import {
  createModuleSignature,
  MODULE_INVENTORY,
  ModuleRegistry,
  SigningKeysService,
} from '@hotswap/modules';
import { createTestDatabase, type TestDatabase } from '@hotswap/testing';
import { SCHEMA } from '../../../apps/api/src/schema';
import { DEPLOYMENT_CLOCK } from './clock';
import { DeploymentQueries } from './deployment-queries';
import { DeploymentError } from './deployment.errors';
import { DeploymentRunner } from './deployment-runner';
import {
  CANARY_ANALYSES_METRIC,
  DEPLOYMENT_DURATION_METRIC,
  DEPLOYMENTS_FINISHED_METRIC,
  DEPLOYMENTS_STARTED_METRIC,
  NODE_OPERATIONS_METRIC,
  ROLLBACKS_METRIC,
} from './deployment.metrics';
import { DeploymentsModule } from './deployments.module';
import { DeploymentsRepository } from './deployments.repository';
import { DeploymentsService } from './deployments.service';
import type { DeploymentResponseDto } from './dto/deployment.response.dto';
import { ManualRollback } from './manual-rollback';
import { APPROVAL_GATE, DEPLOYMENT_SCHEDULER, ENVIRONMENTS, NODE_FLEET, type GateDecision } from './ports';
import { FakeEnvironments, FakeFleetPort, RecordingScheduler, testEnvironments } from './testing/fake-ports';

const DEPLOYER: Principal = { id: 'u-dave', kind: 'user', username: 'dave', roles: ['Deployer'] };
const MODULE = 'payment-processor';

class ManualClock {
  at = Date.UTC(2026, 10, 30, 12, 0, 0);
  now = (): Date => new Date(this.at);
}

class SwitchGate {
  decision: GateDecision = { state: 'approved' };
  evaluate(): Promise<GateDecision> {
    return Promise.resolve(this.decision);
  }
}

/** The registry's view of what the fake fleet runs. */
@Global()
@Module({})
class InventoryOf {
  static forFleet(fleet: () => FakeFleetPort): DynamicModule {
    const inventory = {
      activeVersions: async (environment: string, moduleName: string) =>
        (await fleet().nodesOf(environment, moduleName)).map((n) => n.activeVersion),
    };
    return {
      module: InventoryOf,
      providers: [{ provide: MODULE_INVENTORY, useValue: inventory }],
      exports: [MODULE_INVENTORY],
    };
  }
}

describe('deployment pipeline (real database, fake fleet)', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let fleet: FakeFleetPort;
  let environments: FakeEnvironments;
  let gate: SwitchGate;
  const clock = new ManualClock();
  const scheduler = new RecordingScheduler();

  beforeAll(async () => {
    database = await createTestDatabase(SCHEMA);
  });

  afterAll(async () => {
    await database.drop();
  });

  beforeEach(async () => {
    fleet = new FakeFleetPort();
    environments = new FakeEnvironments();
    gate = new SwitchGate();
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(SCHEMA),
        EventsModule,
        CoordinationModule.forRoot(),
        AuditModule,
        InventoryOf.forFleet(() => fleet),
        DeploymentsModule.forRoot({
          wiring: 'custom',
          providers: [
            { provide: NODE_FLEET, useValue: fleet },
            { provide: ENVIRONMENTS, useValue: environments },
            { provide: DEPLOYMENT_SCHEDULER, useValue: scheduler },
            { provide: DEPLOYMENT_CLOCK, useValue: clock },
            { provide: APPROVAL_GATE, useValue: gate },
          ],
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterEach(async () => {
    await app.close();
  });

  let published = 0;
  async function publish(
    version: string,
    signed: boolean,
    dependencies?: Record<string, string>,
    name = MODULE,
  ): Promise<string> {
    const registry = app.get(ModuleRegistry);
    const manifest = { version, ...(dependencies ? { dependencies } : {}) };
    const artifact = Buffer.from(
      `module.exports = { health() { return { status: 'healthy' }; } }; // ${version} ${published++}`,
    );
    if (!signed) {
      await registry.publish(
        name,
        { manifestText: JSON.stringify(manifest), artifact, signature: undefined, signingKeyId: undefined },
        SYSTEM_PRINCIPAL,
      );
      return version;
    }
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const key = await app
      .get(SigningKeysService)
      .register(
        `k-${version}-${published}`,
        publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        SYSTEM_PRINCIPAL,
      );
    await registry.publish(
      name,
      {
        manifestText: JSON.stringify(manifest),
        artifact,
        signature: createModuleSignature(privateKey, artifact, manifest),
        signingKeyId: key.id,
      },
      SYSTEM_PRINCIPAL,
    );
    return version;
  }

  /** Runs the deployment to its end the way the job queue would, jumping the clock over waits. */
  async function drive(id: string, maxRuns = 200): Promise<DeploymentResponseDto> {
    const runner = app.get(DeploymentRunner);
    for (let i = 0; i < maxRuns; i++) {
      const next = await runner.advance(id);
      if (next === null) break;
      clock.at = Math.max(clock.at, next.getTime());
    }
    return app.get(DeploymentQueries).detail(id);
  }

  /** Creates a deployment of MODULE as the Deployer and drives it to its end. */
  async function deployAndDrive(version: string, targetEnvironment: string): Promise<DeploymentResponseDto> {
    const created = await app
      .get(DeploymentsService)
      .create({ moduleName: MODULE, version, targetEnvironment }, DEPLOYER);
    return drive(created.id);
  }

  function fleets(counts: Record<string, number>, version = '1.0.0') {
    for (const [environment, count] of Object.entries(counts))
      fleet.fleet(environment, MODULE, count, version);
  }

  it('runs the default promotion path to Production: stages, strategies, gates, Complete', async () => {
    const version = await publish('2.1.0', true);
    fleets({ Development: 3, QA: 5, Staging: 4, Production: 20 });
    const created = await app
      .get(DeploymentsService)
      .create({ moduleName: MODULE, version, targetEnvironment: 'production' }, DEPLOYER);
    const result = await drive(created.id);
    expect(result.status).toBe('Succeeded');
    expect(result.stages.map((s) => [s.name, s.strategy, s.status])).toEqual([
      ['Validate', null, 'Succeeded'],
      ['Verify', null, 'Succeeded'],
      ['Deploy to Development', 'Direct', 'Succeeded'],
      ['Deploy to QA', 'Rolling', 'Succeeded'],
      ['Deploy to Staging', 'BlueGreen', 'Succeeded'],
      ['Deploy to Production', 'Canary', 'Succeeded'],
      ['Complete', null, 'Succeeded'],
    ]);
    for (const f of fleet.fleets.values()) expect(f.nodes.every((n) => n.active === version)).toBe(true);
    const events = await app.get(EventLog).since('0');
    const mine = events.filter((e) => e.subject.deploymentId === created.id).map((e) => e.type);
    expect(mine[0]).toBe('deployment.created');
    // No strategy was requested: the event names the one the target (Production) deploys with.
    expect(events.find((e) => e.subject.deploymentId === created.id)?.payload).toMatchObject({
      target: 'Production',
      strategy: 'Canary',
    });
    expect(mine[mine.length - 1]).toBe('deployment.completed');
    expect(mine).toContain('deployment.progress');
  });

  it('coalesces progress events: the first and last batch of a stage, the stage row always current', async () => {
    const version = await publish('2.1.4', false);
    fleets({ QA: 10 });
    const created = await app.get(DeploymentsService).create(
      {
        moduleName: MODULE,
        version,
        targetEnvironment: 'QA',
        promotion: 'target-only',
        strategy: 'Rolling',
        strategyParams: { batchSize: 1, healthCheckDelaySeconds: 0, verifyWindowSeconds: 0 },
      },
      DEPLOYER,
    );
    const result = await drive(created.id);
    expect(result.status).toBe('Succeeded');
    // Ten batches within the same instant of the deployment clock: two events, not ten.
    const progress = (await app.get(EventLog).since('0')).filter(
      (e) => e.subject.deploymentId === created.id && e.type === 'deployment.progress',
    );
    expect(progress.map((e) => (e.payload as { nodesUpdated: number }).nodesUpdated)).toEqual([1, 10]);
    expect(progress[1]?.payload).toMatchObject({ nodesTotal: 10, nodesUpdated: 10, percent: 100 });
    expect(result.stages.find((s) => s.environment === 'QA')?.progress).toMatchObject({
      nodesTotal: 10,
      nodesUpdated: 10,
    });
  });

  it('reads the policies, the stages and the version once per advance(), commits an empty environment in one transaction, and still records every transition', async () => {
    const version = await publish('2.1.5', true);
    const created = await app
      .get(DeploymentsService)
      .create(
        { moduleName: MODULE, version, targetEnvironment: 'Development', promotion: 'target-only' },
        DEPLOYER,
      );
    const policyReads = jest.spyOn(environments, 'list');
    const stageReads = jest.spyOn(app.get(DeploymentsRepository), 'stagesOf');
    // Each transition writes its stage rows once, at its end.
    const transitions = jest.spyOn(app.get(DeploymentsRepository), 'updateStages');
    // Validate and Verify check one read of the version with its bytes.
    const versionReads = jest.spyOn(app.get(ModuleRegistry), 'getVersion');
    const artifactReads = jest.spyOn(app.get(ModuleRegistry), 'artifact');
    // A transition's audit records are one insert.
    const auditSingles = jest.spyOn(app.get(AuditService), 'record');
    const auditBatches = jest.spyOn(app.get(AuditService), 'recordMany');
    // One run takes the deployment through Validate, Verify and the (empty) environment to its end.
    expect(await app.get(DeploymentRunner).advance(created.id)).toBeNull();
    expect(policyReads).toHaveBeenCalledTimes(1);
    expect(stageReads).toHaveBeenCalledTimes(1);
    // With no node to change, the environment's failure commits with its entry: one transaction.
    expect(transitions).toHaveBeenCalledTimes(1);
    expect(artifactReads).toHaveBeenCalledTimes(1);
    expect(versionReads).not.toHaveBeenCalled();
    expect(auditSingles).not.toHaveBeenCalled();
    expect(auditBatches).toHaveBeenCalledTimes(1);
    const audited = auditBatches.mock.calls[0]?.[0] ?? [];
    expect(audited.filter((e) => e.action === 'deployment.status').map((e) => e.details?.to)).toEqual([
      'Running',
      'Failed',
    ]);
    const result = await app.get(DeploymentQueries).detail(created.id);
    expect(result.status).toBe('Failed');
    expect(result.stages.map((s) => [s.name, s.status])).toEqual([
      ['Validate', 'Succeeded'],
      ['Verify', 'Succeeded'],
      ['Deploy to Development', 'Failed'],
      ['Complete', 'Cancelled'],
    ]);
    const events = (await app.get(EventLog).since('0')).filter((e) => e.subject.deploymentId === created.id);
    // Every transition still has its event, in order (the same sequence as one transaction per write).
    expect(
      events.map((e) => {
        const p = e.payload as { stage?: string; status?: string; to?: string };
        return `${e.type} ${p.stage === undefined ? (p.to ?? p.status ?? '') : `${p.stage}: ${p.status}`}`;
      }),
    ).toEqual([
      'deployment.created ',
      'deployment.stage_changed Validate: Running',
      'deployment.status_changed Running',
      'deployment.stage_changed Validate: Succeeded',
      'deployment.stage_changed Verify: Running',
      'deployment.stage_changed Verify: Succeeded',
      'deployment.stage_changed Deploy to Development: Running',
      'deployment.stage_changed Deploy to Development: Failed',
      'deployment.status_changed Failed',
      'deployment.completed Failed',
    ]);
    // Each event the runner wrote has its audit record, in the same order, in the same single insert.
    expect(audited.map((e) => [e.action, e.details])).toEqual(
      events
        .filter((e) => e.type !== 'deployment.created')
        .map((e) => [e.type.replace(/_changed$/, ''), e.payload]),
    );
  });

  it('waits at an approval gate (PendingApproval) until it opens', async () => {
    const version = await publish('2.2.0', true);
    fleets({ Development: 1, QA: 1, Staging: 2, Production: 2 });
    gate.decision = { state: 'pending' };
    const created = await app
      .get(DeploymentsService)
      .create({ moduleName: MODULE, version, targetEnvironment: 'Staging' }, DEPLOYER);
    const waiting = await drive(created.id, 20);
    expect(waiting.status).toBe('PendingApproval');
    expect(waiting.stages.find((s) => s.environment === 'Staging')?.status).toBe('WaitingForApproval');
    gate.decision = { state: 'approved' };
    expect((await drive(created.id)).status).toBe('Succeeded');
  });

  it('skips an environment already running the version healthily', async () => {
    const version = await publish('2.3.0', false);
    fleet.fleet('Development', MODULE, 2, version);
    fleet.fleet('QA', MODULE, 2, '1.0.0');
    const created = await app
      .get(DeploymentsService)
      .create({ moduleName: MODULE, version, targetEnvironment: 'QA' }, DEPLOYER);
    const result = await drive(created.id);
    expect(result.stages.find((s) => s.environment === 'Development')?.status).toBe('Skipped');
    expect(result.status).toBe('Succeeded');
  });

  it('QA failing → Staging and Production never start, Development keeps the new version', async () => {
    const version = await publish('2.4.0', true);
    fleets({ Development: 3, QA: 5, Staging: 2, Production: 4 });
    fleet.fleet('QA', MODULE).faults = { failOn: { install: ['node-003'] } };
    const created = await app
      .get(DeploymentsService)
      .create({ moduleName: MODULE, version, targetEnvironment: 'Production' }, DEPLOYER);
    const result = await drive(created.id);
    expect(result.status).toBe('RolledBack');
    const stage = (env: string) => result.stages.find((s) => s.environment === env);
    expect(stage('QA')?.status).toBe('RolledBack');
    expect(stage('Staging')?.status).toBe('Cancelled');
    expect(stage('Production')?.status).toBe('Cancelled');
    expect(fleet.fleet('Development', MODULE).nodes.every((n) => n.active === version)).toBe(true);
    expect(fleet.fleet('QA', MODULE).nodes.every((n) => n.active === '1.0.0')).toBe(true);
    expect(fleet.fleet('Staging', MODULE).nodes.every((n) => n.active === '1.0.0')).toBe(true);
  });

  it('signature policy: unsigned to Staging fails at Verify with the reason; to Development passes as unsigned', async () => {
    const version = await publish('2.5.0', false);
    fleets({ Development: 2, QA: 2, Staging: 2 });
    const staging = await deployAndDrive(version, 'Staging');
    expect(staging.status).toBe('Failed');
    const verify = staging.stages.find((s) => s.name === 'Verify');
    expect(verify?.status).toBe('Failed');
    expect(verify?.message).toContain('unsigned; Staging requires signed modules');
    expect(fleet.fleet('Development', MODULE).nodes.every((n) => n.active === '1.0.0')).toBe(true);
    const development = await deployAndDrive(version, 'Development');
    expect(development.status).toBe('Succeeded');
    expect(development.stages.find((s) => s.name === 'Verify')?.message).toContain('unsigned');
  });

  it('manual rollback of a Development deployment touches only Development nodes, asynchronously', async () => {
    const version = await publish('2.6.0', false);
    fleets({ Development: 3, Production: 5 });
    const original = await deployAndDrive(version, 'Development');
    expect(original.status).toBe('Succeeded');
    const productionJournal = fleet.fleet('Production', MODULE).journal.length;
    const rollback = await app.get(ManualRollback).start(original.id, undefined, DEPLOYER);
    expect(rollback.status).toBe('Queued');
    expect(rollback.kind).toBe('rollback');
    const done = await drive(rollback.id);
    expect(done.status).toBe('Succeeded');
    expect(done.stages.map((s) => s.environment).filter((e) => e !== null)).toEqual(['Development']);
    expect(done.stages[0]?.message).toMatch(/Rolled back 3 node\(s\)/);
    expect(fleet.fleet('Development', MODULE).nodes.every((n) => n.active === '1.0.0')).toBe(true);
    expect(fleet.fleet('Production', MODULE).journal.length).toBe(productionJournal);
  });

  it('a manual rollback skips an approval gate unless the policy applies it to rollbacks, then waits for it', async () => {
    const gatedDevelopment = (appliesToRollbacks: boolean) => {
      const approval = testEnvironments().find((e) => e.name === 'Development')?.approvalPolicy;
      if (approval === undefined) throw new Error('no Development policy');
      environments.environments = testEnvironments({
        Development: { approvalPolicy: { ...approval, required: true, appliesToRollbacks } },
      });
    };
    const deployAndRollBack = async (version: string) => {
      const original = await deployAndDrive(version, 'Development');
      expect(original.status).toBe('Succeeded');
      gate.decision = { state: 'pending' };
      return app.get(ManualRollback).start(original.id, undefined, DEPLOYER);
    };
    const v1 = await publish('2.6.1', false);
    const v2 = await publish('2.6.2', false);
    fleets({ Development: 2 });

    // The policy requires approval, but not for rollbacks: the rollback runs at once.
    gatedDevelopment(false);
    gate.decision = { state: 'approved' };
    const ungated = await deployAndRollBack(v1);
    const ungatedRun = await drive(ungated.id, 5);
    expect(ungatedRun.status).toBe('Succeeded');
    expect(fleet.fleet('Development', MODULE).nodes.every((n) => n.active === '1.0.0')).toBe(true);

    // Rollbacks pass the gate too: it waits, touching no node, until approved.
    gatedDevelopment(true);
    gate.decision = { state: 'approved' };
    const gated = await deployAndRollBack(v2);
    const journal = fleet.fleet('Development', MODULE).journal.length;
    const waiting = await drive(gated.id, 5);
    expect(waiting.status).toBe('PendingApproval');
    expect(waiting.stages.find((s) => s.environment === 'Development')?.status).toBe('WaitingForApproval');
    expect(fleet.fleet('Development', MODULE).journal.length).toBe(journal);
    expect(fleet.fleet('Development', MODULE).nodes.every((n) => n.active === v2)).toBe(true);
    gate.decision = { state: 'approved' };
    const approved = await drive(gated.id);
    expect(approved.status).toBe('Succeeded');
    expect(fleet.fleet('Development', MODULE).nodes.every((n) => n.active === '1.0.0')).toBe(true);
  });

  it('one promote skips every remaining canary wait of the stage, durably; each wave is still analysed', async () => {
    const version = await publish('2.9.0', false);
    fleets({ Development: 20 });
    const created = await app.get(DeploymentsService).create(
      {
        moduleName: MODULE,
        version,
        targetEnvironment: 'Development',
        strategy: 'Canary',
        strategyParams: { stepWaitSeconds: 900 },
      },
      DEPLOYER,
    );
    const runner = app.get(DeploymentRunner);
    const repository = app.get(DeploymentsRepository);
    // The first wave is out and observed for 900 s.
    const start = clock.at;
    const next = await runner.advance(created.id);
    expect(next?.getTime()).toBe(start + 900_000);
    const observing = await app.get(DeploymentQueries).detail(created.id);
    expect(observing.stages.find((s) => s.environment === 'Development')?.progress.nodesUpdated).toBe(2);
    // Promoted once, 60 s into the first wave's wait.
    clock.at += 60_000;
    await app.get(DeploymentsService).act(created.id, 'promote', DEPLOYER);
    // The step that sees the request records the promotion in the stage and consumes the request, in
    // one transaction.
    await runner.step(created.id);
    expect((await repository.find(created.id))?.promoteRequested).toBe(false);
    const stage = (await repository.stagesOf(created.id)).find((s) => s.environment === 'Development');
    expect(stage?.strategyState).toEqual(expect.objectContaining({ promoted: true }));
    // Each later advance() reads the stage anew, as another replica resuming it would.
    const promotedAt = clock.at;
    let result = await app.get(DeploymentQueries).detail(created.id);
    for (let i = 0; i < 20 && result.status === 'Running'; i++) {
      const at = await runner.step(created.id, {});
      if (at.kind === 'wait') clock.at = Math.max(clock.at, at.until.getTime());
      result = await app.get(DeploymentQueries).detail(created.id);
    }
    expect(result.status).toBe('Succeeded');
    expect(fleet.fleet('Development', MODULE).nodes.every((n) => n.active === version)).toBe(true);
    // Only the post-deploy verification window (30 s) passed: no wave waited its 900 s.
    expect(clock.at - promotedAt).toBe(30_000);
    expect(result.stages.find((s) => s.environment === 'Development')?.progress.nodesUpdated).toBe(20);
    expect(result.canaryMeasurements.map((m) => [m.wave, m.verdict])).toEqual([
      [1, 'pass'],
      [2, 'pass'],
      [3, 'pass'],
    ]);
    // Each analysis event carries the thresholds its metrics were held to (events.md §1).
    const analyses = (await app.get(EventLog).since('0')).filter(
      (e) => e.subject.deploymentId === created.id && e.type === 'deployment.analysis',
    );
    expect(analyses).toHaveLength(3);
    for (const e of analyses)
      expect((e.payload as { thresholds: Record<string, number> }).thresholds).toEqual({
        errorRate: 50,
        latencyP95Ms: 100,
        cpuPercent: 30,
        memoryPercent: 30,
      });
  });

  it('writes an audit record with every event of a Direct deployment to 3 nodes, in the transaction of that event', async () => {
    const version = await publish('2.9.5', false);
    fleets({ Development: 3 });
    const created = await app
      .get(DeploymentsService)
      .create(
        { moduleName: MODULE, version, targetEnvironment: 'Development', promotion: 'target-only' },
        DEPLOYER,
      );
    // Each audit insert, with the transaction it runs in (an event's seq carries its transaction id).
    const audit = app.get(AuditService);
    const database = app.get(Database);
    const recordMany = audit.recordMany.bind(audit);
    const inserts: { xid: string; entries: AuditEntry[] }[] = [];
    jest.spyOn(audit, 'recordMany').mockImplementation(async (entries) => {
      if (entries.length > 0) {
        const [row] = await database
          .manager()
          .query<{ xid: string }[]>('SELECT pg_current_xact_id()::text AS xid');
        inserts.push({ xid: row?.xid ?? '', entries: [...entries] });
      }
      return recordMany(entries);
    });
    const result = await drive(created.id);
    expect(result.status).toBe('Succeeded');
    const events = (await app.get(EventLog).since('0')).filter(
      (e) => e.subject.deploymentId === created.id && e.type !== 'deployment.created',
    );
    const byTransaction = (pairs: [string, string, unknown][]) => {
      const grouped = new Map<string, [string, unknown][]>();
      for (const [xid, action, details] of pairs)
        grouped.set(xid, [...(grouped.get(xid) ?? []), [action, details]]);
      return grouped;
    };
    const fromEvents = byTransaction(
      events.map((e) => [(BigInt(e.seq) >> 20n).toString(), e.type.replace(/_changed$/, ''), e.payload]),
    );
    const fromAudit = byTransaction(
      inserts.flatMap(({ xid, entries }) =>
        entries
          .filter((e) => e.resource?.id === created.id)
          .map((e): [string, string, unknown] => [xid, e.action, e.details]),
      ),
    );
    // Same transactions, and in each the same records as events, in the same order.
    expect(fromAudit).toEqual(fromEvents);
    const records = inserts
      .flatMap(({ entries }) => entries)
      .filter((e) => e.resource?.id === created.id)
      .map((e) => {
        const d = e.details as { stage?: string; status?: string; to?: string };
        return `${e.action} ${d.stage === undefined ? (d.to ?? d.status ?? '') : `${d.stage}: ${d.status}`}`;
      });
    // A record for each stage change as well as each status change, all by the system.
    expect(
      records.filter((r) => r.startsWith('deployment.stage') || r.startsWith('deployment.status ')),
    ).toEqual([
      'deployment.stage Validate: Running',
      'deployment.status Running',
      'deployment.stage Validate: Succeeded',
      'deployment.stage Verify: Running',
      'deployment.stage Verify: Succeeded',
      'deployment.stage Deploy to Development: Running',
      'deployment.stage Deploy to Development: Succeeded',
      'deployment.stage Complete: Succeeded',
      'deployment.status Succeeded',
    ]);
  });

  it("files stage-scoped events under the stage's environment, deployment-level ones under the target", async () => {
    const version = await publish('2.9.7', true);
    fleets({ Development: 2, QA: 2, Staging: 2 });
    const created = await app
      .get(DeploymentsService)
      .create({ moduleName: MODULE, version, targetEnvironment: 'Staging' }, DEPLOYER);
    expect((await drive(created.id)).status).toBe('Succeeded');
    type EventRow = {
      type: string;
      environment: string | null;
      payload: { stage?: string; environment?: string | null };
    };
    const rows = await app
      .get(Database)
      .manager()
      .query<EventRow[]>(
        'SELECT type, environment, payload FROM events WHERE deployment_id = $1 ORDER BY seq',
        [created.id],
      );
    // What a stream filtered on `environment=Development` receives of this deployment.
    expect(
      rows
        .filter((r) => r.environment === 'Development')
        .map((r) => `${r.type} ${r.payload.stage ?? r.payload.environment ?? ''}`),
    ).toEqual([
      'deployment.stage_changed Deploy to Development',
      'deployment.progress Development',
      'deployment.stage_changed Deploy to Development',
    ]);
    const stageScoped = new Set(['deployment.stage_changed', 'deployment.progress', 'deployment.analysis']);
    for (const row of rows) {
      const expected = (stageScoped.has(row.type) ? row.payload.environment : null) ?? 'Staging';
      expect([row.type, row.payload.stage, row.environment]).toEqual([row.type, row.payload.stage, expected]);
    }
    expect(new Set(rows.map((r) => r.environment))).toEqual(new Set(['Development', 'QA', 'Staging']));
  });

  it('a rollback that cannot restore a node: Failed, the node listed on the stage and the deployment and flagged on the fleet', async () => {
    const version = await publish('2.7.5', false);
    fleets({ Development: 3 });
    const development = fleet.fleet('Development', MODULE);
    development.faults = { failOn: { install: ['node-003'], rollback: ['node-001'] } };
    const result = await deployAndDrive(version, 'Development');
    expect(result.status).toBe('Failed');
    const stage = result.stages.find((s) => s.environment === 'Development');
    expect(stage?.status).toBe('Failed');
    expect(stage?.message).toContain('not restored, flagged for reconciliation: node-001');
    const node1 = development.nodes.find((n) => n.name === 'node-001');
    const expected = [{ nodeId: node1?.id, nodeName: 'node-001', environment: 'Development' }];
    expect(stage?.unrestoredNodes).toEqual(expected);
    expect(result.needsReconciliation).toEqual(expected);
    // node-002 was put back; node-001 still runs the new version and is flagged.
    expect(development.versions()).toEqual({ 'node-001': version, 'node-002': '1.0.0', 'node-003': '1.0.0' });
    expect(fleet.flagged).toEqual([
      {
        node: 'node-001',
        moduleName: MODULE,
        note: expect.stringContaining(`Not restored by deployment ${result.id}`),
      },
    ]);
  });

  it('a rollback that restores every node lists none for reconciliation', async () => {
    const version = await publish('2.7.6', false);
    fleets({ Development: 3 });
    fleet.fleet('Development', MODULE).faults = { failOn: { install: ['node-003'] } };
    const result = await deployAndDrive(version, 'Development');
    expect(result.status).toBe('RolledBack');
    expect(result.needsReconciliation).toEqual([]);
    expect(result.stages.every((s) => s.unrestoredNodes.length === 0)).toBe(true);
    expect(fleet.flagged).toEqual([]);
  });

  it('a manual rollback re-installs each node with the version that node ran before, when versions differ', async () => {
    const v20 = await publish('2.8.7', false);
    const v21 = await publish('2.8.8', false);
    await publish('1.5.7', false);
    fleets({ Development: 2 }, '1.0.0');
    const development = fleet.fleet('Development', MODULE);
    const second = development.nodes[1];
    if (second === undefined) throw new Error('no second node');
    second.active = '1.5.7';
    const deployment = async (version: string) => deployAndDrive(version, 'Development');
    const first = await deployment(v20);
    expect((await deployment(v21)).status).toBe('Succeeded');
    // Neither node has its pre-2.8.0 version as previous any more (that is 2.8.0): both re-install.
    const done = await drive((await app.get(ManualRollback).start(first.id, undefined, DEPLOYER)).id);
    expect(done.status).toBe('Succeeded');
    expect(development.versions()).toEqual({ 'node-001': '1.0.0', 'node-002': '1.5.7' });
  });

  it('rollback toVersion restores any retained version', async () => {
    const older = await publish('1.9.0', false);
    const version = await publish('2.7.0', false);
    fleets({ Development: 2 }, '1.0.0');
    const original = await deployAndDrive(version, 'Development');
    const done = await drive((await app.get(ManualRollback).start(original.id, older, DEPLOYER)).id);
    expect(done.status).toBe('Succeeded');
    expect(fleet.fleet('Development', MODULE).nodes.every((n) => n.active === older)).toBe(true);
  });

  describe('environment cap (maxConcurrentDeployments): excess deployments wait as Queued', () => {
    const MODULES = [MODULE, 'inventory-service', 'order-service'];
    /** Canary that stays Running in its first wave's observation for 10 minutes. */
    const SLOW = { steps: [50, 100], stepWaitSeconds: 600, minSamples: 0, verifyWindowSeconds: 0 };

    beforeEach(() => {
      environments.environments = testEnvironments({ Development: { maxConcurrentDeployments: 1 } });
    });

    /** Runs the deployment until it waits for later than now (or stops); returns its state. */
    async function runUntilWaiting(id: string): Promise<DeploymentResponseDto> {
      const runner = app.get(DeploymentRunner);
      for (let i = 0; i < 50; i++) {
        const next = await runner.advance(id);
        if (next === null || next.getTime() > clock.at) break;
      }
      return app.get(DeploymentQueries).detail(id);
    }

    async function create(moduleName: string, version: string): Promise<string> {
      await publish(version, false, undefined, moduleName);
      fleet.fleet('Development', moduleName, 2, '1.0.0');
      const created = await app.get(DeploymentsService).create(
        {
          moduleName,
          version,
          targetEnvironment: 'Development',
          strategy: 'Canary',
          strategyParams: SLOW,
        },
        DEPLOYER,
      );
      return created.id;
    }

    it('queues a deployment while the cap is reached and starts it when the slot frees', async () => {
      const first = await create(MODULES[0] ?? '', '3.0.0');
      const running = await runUntilWaiting(first);
      expect(running.status).toBe('Running');
      const second = await create(MODULES[1] ?? '', '3.0.0');
      const queued = await runUntilWaiting(second);
      expect(queued.status).toBe('Queued');
      expect(queued.statusReason).toContain('Development is at its limit of 1 concurrent deployments');
      expect(queued.stages.find((s) => s.environment === 'Development')?.status).toBe('Pending');
      expect(fleet.fleet('Development', MODULES[1] ?? '').journal).toEqual([]);
      // Still queued on every look while the first one runs.
      clock.at += 60_000;
      expect((await runUntilWaiting(second)).status).toBe('Queued');
      expect(fleet.fleet('Development', MODULES[1] ?? '').journal).toEqual([]);
      // The first one finishes: the slot frees and the queued one starts on its next look.
      expect((await drive(first)).status).toBe('Succeeded');
      const started = await runUntilWaiting(second);
      expect(started.status).toBe('Running');
      expect(fleet.fleet('Development', MODULES[1] ?? '').journal.length).toBeGreaterThan(0);
      expect((await drive(second)).status).toBe('Succeeded');
    });

    it('holds an approved deployment Queued while the cap is reached: approval does not bypass it', async () => {
      const approval = testEnvironments().find((e) => e.name === 'Development')?.approvalPolicy;
      if (approval === undefined) throw new Error('no Development policy');
      environments.environments = testEnvironments({
        Development: { maxConcurrentDeployments: 1, approvalPolicy: { ...approval, required: true } },
      });
      gate.decision = { state: 'pending' };
      const waitingFirst = await create(MODULES[0] ?? '', '3.2.0');
      const waitingSecond = await create(MODULES[1] ?? '', '3.2.0');
      // Waiting for approval holds no slot: both reach the gate.
      expect((await runUntilWaiting(waitingFirst)).status).toBe('PendingApproval');
      expect((await runUntilWaiting(waitingSecond)).status).toBe('PendingApproval');
      gate.decision = { state: 'approved' };
      expect((await runUntilWaiting(waitingSecond)).status).toBe('Running');
      // Approved too, but the one slot is taken: it waits, and no node is touched.
      const held = await runUntilWaiting(waitingFirst);
      expect(held.status).toBe('Queued');
      expect(held.statusReason).toContain('Development is at its limit of 1 concurrent deployments');
      expect(fleet.fleet('Development', MODULES[0] ?? '').journal).toEqual([]);
      expect((await drive(waitingSecond)).status).toBe('Succeeded');
      expect((await runUntilWaiting(waitingFirst)).status).toBe('Running');
      expect((await drive(waitingFirst)).status).toBe('Succeeded');
    });

    it('never lets deployments entering the environment at the same moment exceed the cap', async () => {
      const ids = [];
      for (const moduleName of MODULES) ids.push(await create(moduleName, '3.1.0'));
      await Promise.all(ids.map((id) => runUntilWaiting(id)));
      const states = await Promise.all(ids.map((id) => app.get(DeploymentQueries).detail(id)));
      const deploying = states.filter(
        (d) => d.stages.find((s) => s.environment === 'Development')?.status === 'Running',
      );
      expect(deploying).toHaveLength(1);
      expect(states.filter((d) => d.status === 'Queued')).toHaveLength(2);
      // Each one gets its turn as the previous finishes, one at a time.
      const remaining = [...ids];
      while (remaining.length > 0) {
        const looks = [];
        for (const id of remaining) looks.push(await runUntilWaiting(id));
        const turn = looks.filter((d) => d.status === 'Running');
        expect(turn).toHaveLength(1);
        expect((await drive(turn[0]?.id ?? '')).status).toBe('Succeeded');
        remaining.splice(remaining.indexOf(turn[0]?.id ?? ''), 1);
      }
    });
  });

  it('accepts exactly one of several simultaneous requests for the same module and environment', async () => {
    const version = await publish('3.5.0', true);
    const service = app.get(DeploymentsService);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        service.create(
          { moduleName: MODULE, version, targetEnvironment: 'Development', promotion: 'target-only' },
          DEPLOYER,
        ),
      ),
    );
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(5);
    for (const error of refused) {
      expect(error).toBeInstanceOf(DeploymentError);
      expect((error as DeploymentError).code).toBe(DeploymentErrorCode.ActiveDeploymentExists);
    }
    // (Finished, so the module is free for the next test: the empty environment fails it.)
    const [only] = accepted;
    if (only?.status === 'fulfilled') expect((await drive(only.value.id)).status).toBe('Failed');
  });

  it('resumes a step cut short by a crash without repeating or skipping a node operation', async () => {
    const version = await publish('2.8.0', false);
    fleets({ Development: 30 });
    const created = await app
      .get(DeploymentsService)
      .create({ moduleName: MODULE, version, targetEnvironment: 'Development' }, DEPLOYER);
    const development = fleet.fleet('Development', MODULE);
    // The process dies after the nodes were told but before their answers were recorded.
    const repository = app.get(DeploymentsRepository);
    const finish = repository.finishOperations.bind(repository);
    repository.finishOperations = () => Promise.reject(new Error('process killed'));
    await expect(drive(created.id)).rejects.toThrow('process killed');
    const cutShort = await app.get(DeploymentQueries).detail(created.id);
    expect(cutShort.nodeResults.filter((r) => r.status === 'pending')).toHaveLength(30);
    repository.finishOperations = finish;
    const result = await drive(created.id);
    expect(result.status).toBe('Succeeded');
    const installs = development.journal.filter((j) => j.kind === 'install');
    expect(installs).toHaveLength(30);
    expect(new Set(installs.map((j) => j.node)).size).toBe(30);
    const logged = result.nodeResults.filter((r) => r.operation === 'install');
    expect(logged).toHaveLength(30);
    expect(logged.every((r) => r.status === 'succeeded')).toBe(true);
  });

  describe('metrics: counted once the transition that makes the change commits', () => {
    const NAMES = [
      DEPLOYMENTS_STARTED_METRIC,
      DEPLOYMENTS_FINISHED_METRIC,
      DEPLOYMENT_DURATION_METRIC,
      ROLLBACKS_METRIC,
      NODE_OPERATIONS_METRIC,
      CANARY_ANALYSES_METRIC,
    ];
    const DURATION_SUM = `${DEPLOYMENT_DURATION_METRIC}_sum{environment=Development,outcome=Succeeded}`;

    /**
     * Every sample of the engine's metrics (buckets aside), keyed `sample{label=value,…}`. The registry
     * is prom-client's default one, shared by every app of this file: tests compare two readings.
     */
    async function readMetrics(): Promise<Map<string, number>> {
      const samples = new Map<string, number>();
      for (const name of NAMES) {
        const metric = register.getSingleMetric(name);
        if (metric === undefined) throw new Error(`${name} is not registered`);
        // Histograms name their samples (`_bucket`, `_sum`, `_count`); counters' samples are the metric.
        const values: readonly MetricValueWithName<string>[] = (await metric.get()).values;
        for (const value of values) {
          const sample = value.metricName ?? name;
          if (sample.endsWith('_bucket')) continue;
          const labels = Object.entries(value.labels)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `${k}=${String(v)}`);
          samples.set(`${sample}{${labels.join(',')}}`, value.value);
        }
      }
      return samples;
    }

    /** The samples that changed (histogram sums aside: see {@link DURATION_SUM}), by how much. */
    function changes(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
      const changed: Record<string, number> = {};
      for (const [key, value] of after) {
        const delta = value - (before.get(key) ?? 0);
        if (delta !== 0 && !key.includes('_sum{')) changed[key] = delta;
      }
      return changed;
    }

    /** The node-operation log as node-operation counts. */
    function operationsLogged(result: DeploymentResponseDto): Record<string, number> {
      const logged: Record<string, number> = {};
      for (const r of result.nodeResults) {
        const key = `${NODE_OPERATIONS_METRIC}{operation=${r.operation},result=${r.status === 'succeeded' ? 'ok' : 'failed'}}`;
        logged[key] = (logged[key] ?? 0) + 1;
      }
      return logged;
    }

    function only(prefix: string, changed: Record<string, number>): Record<string, number> {
      return Object.fromEntries(Object.entries(changed).filter(([key]) => key.startsWith(`${prefix}{`)));
    }

    async function deploy(version: string, extra: Record<string, unknown> = {}): Promise<string> {
      const created = await app
        .get(DeploymentsService)
        .create({ moduleName: MODULE, version, targetEnvironment: 'Development', ...extra }, DEPLOYER);
      return created.id;
    }

    it('a Direct deployment to 3 nodes: one start, one Succeeded finish with its duration, one ok per logged operation', async () => {
      const version = await publish('4.0.0', false);
      fleets({ Development: 3 });
      const before = await readMetrics();
      const result = await drive(await deploy(version));
      const after = await readMetrics();
      expect(result.status).toBe('Succeeded');
      expect(changes(before, after)).toEqual({
        'hotswap_deployments_started_total{environment=Development,strategy=Direct}': 1,
        'hotswap_deployments_finished_total{environment=Development,outcome=Succeeded,strategy=Direct}': 1,
        'hotswap_deployment_duration_seconds_count{environment=Development,outcome=Succeeded}': 1,
        'hotswap_node_operations_total{operation=install,result=ok}': 3,
      });
      expect(only(NODE_OPERATIONS_METRIC, changes(before, after))).toEqual(operationsLogged(result));
      // From the start to the end: the 30 s verification window the clock jumped over.
      expect((after.get(DURATION_SUM) ?? 0) - (before.get(DURATION_SUM) ?? 0)).toBeCloseTo(
        (result.durationMs ?? -1) / 1000,
        3,
      );
      expect(result.durationMs).toBe(30_000);
    });

    it('a failed install rolled back by the strategy: RolledBack, one automatic rollback, failed and rollback operations as logged', async () => {
      const version = await publish('4.1.0', false);
      fleets({ Development: 3 });
      fleet.fleet('Development', MODULE).faults = { failOn: { install: ['node-002'] } };
      const before = await readMetrics();
      const result = await drive(await deploy(version));
      const changed = changes(before, await readMetrics());
      expect(result.status).toBe('RolledBack');
      expect(changed).toEqual({
        'hotswap_deployments_started_total{environment=Development,strategy=Direct}': 1,
        'hotswap_deployments_finished_total{environment=Development,outcome=RolledBack,strategy=Direct}': 1,
        'hotswap_deployment_duration_seconds_count{environment=Development,outcome=RolledBack}': 1,
        'hotswap_rollbacks_total{environment=Development,kind=automatic}': 1,
        'hotswap_node_operations_total{operation=install,result=ok}': 2,
        'hotswap_node_operations_total{operation=install,result=failed}': 1,
        'hotswap_node_operations_total{operation=rollback,result=ok}': 2,
      });
      expect(only(NODE_OPERATIONS_METRIC, changed)).toEqual(operationsLogged(result));
    });

    it('a failed post-deploy verification: the rollback is counted once, when it starts', async () => {
      const version = await publish('4.2.0', false);
      fleets({ Development: 3 });
      const development = fleet.fleet('Development', MODULE);
      development.newVersion = version;
      development.faults = { unhealthyOn: ['node-001'] };
      const before = await readMetrics();
      const result = await drive(await deploy(version));
      const changed = changes(before, await readMetrics());
      expect(result.status).toBe('RolledBack');
      expect(result.stages.find((s) => s.environment === 'Development')?.message).toContain(
        'Post-deploy verification failed',
      );
      expect(only(ROLLBACKS_METRIC, changed)).toEqual({
        'hotswap_rollbacks_total{environment=Development,kind=automatic}': 1,
      });
      expect(only(DEPLOYMENTS_FINISHED_METRIC, changed)).toEqual({
        'hotswap_deployments_finished_total{environment=Development,outcome=RolledBack,strategy=Direct}': 1,
      });
      expect(only(NODE_OPERATIONS_METRIC, changed)).toEqual(operationsLogged(result));
    });

    it('counts each stored canary analysis by its verdict: passes, and a failure that rolls back', async () => {
      const canary = {
        strategy: 'Canary',
        strategyParams: { steps: [50, 100], stepWaitSeconds: 0, minSamples: 0, verifyWindowSeconds: 0 },
      };
      const good = await publish('4.3.0', false);
      fleets({ Development: 4 });
      let before = await readMetrics();
      const passed = await drive(await deploy(good, canary));
      let changed = changes(before, await readMetrics());
      expect(passed.status).toBe('Succeeded');
      expect(passed.canaryMeasurements.map((m) => m.verdict)).toEqual(['pass']);
      expect(only(CANARY_ANALYSES_METRIC, changed)).toEqual({
        'hotswap_canary_analyses_total{verdict=pass}': 1,
      });
      expect(only(DEPLOYMENTS_STARTED_METRIC, changed)).toEqual({
        'hotswap_deployments_started_total{environment=Development,strategy=Canary}': 1,
      });

      const bad = await publish('4.4.0', false);
      const development = fleet.fleet('Development', MODULE);
      // Nodes on the new version report a high error rate; the others (the baseline) stay healthy.
      fleet.metrics = (ids) => Promise.resolve(development.metrics(ids, bad));
      development.faults = {
        canaryMetrics: { errorRate: 90, latencyP95Ms: 100, cpuPercent: 40, memoryPercent: 50 },
      };
      before = await readMetrics();
      const failed = await drive(await deploy(bad, canary));
      changed = changes(before, await readMetrics());
      expect(failed.status).toBe('RolledBack');
      expect(failed.canaryMeasurements.map((m) => m.verdict)).toEqual(['fail']);
      expect(only(CANARY_ANALYSES_METRIC, changed)).toEqual({
        'hotswap_canary_analyses_total{verdict=fail}': 1,
      });
      expect(only(ROLLBACKS_METRIC, changed)).toEqual({
        'hotswap_rollbacks_total{environment=Development,kind=automatic}': 1,
      });
      expect(only(DEPLOYMENTS_FINISHED_METRIC, changed)).toEqual({
        'hotswap_deployments_finished_total{environment=Development,outcome=RolledBack,strategy=Canary}': 1,
      });
    });

    it('a manual rollback counts kind=manual when it is created; its run counts no start and no automatic rollback', async () => {
      const version = await publish('4.5.0', false);
      fleets({ Development: 3 });
      const original = await drive(await deploy(version));
      expect(original.status).toBe('Succeeded');
      let before = await readMetrics();
      const rollback = await app.get(ManualRollback).start(original.id, undefined, DEPLOYER);
      expect(changes(before, await readMetrics())).toEqual({
        'hotswap_rollbacks_total{environment=Development,kind=manual}': 1,
      });
      before = await readMetrics();
      const done = await drive(rollback.id);
      expect(done.status).toBe('Succeeded');
      expect(changes(before, await readMetrics())).toEqual({
        'hotswap_deployments_finished_total{environment=Development,outcome=Succeeded,strategy=none}': 1,
        'hotswap_deployment_duration_seconds_count{environment=Development,outcome=Succeeded}': 1,
        'hotswap_node_operations_total{operation=rollback,result=ok}': 3,
      });
      // A refused request (nothing left to roll back) counts nothing.
      before = await readMetrics();
      await expect(app.get(ManualRollback).start(rollback.id, undefined, DEPLOYER)).rejects.toThrow(
        DeploymentError,
      );
      expect(changes(before, await readMetrics())).toEqual({});
    });

    it('counts nothing of a transition that rolled back: operations told again after a crash count once', async () => {
      const version = await publish('4.6.0', false);
      fleets({ Development: 5 });
      const id = await deploy(version);
      const repository = app.get(DeploymentsRepository);
      const finish = repository.finishOperations.bind(repository);
      repository.finishOperations = () => Promise.reject(new Error('process killed'));
      const before = await readMetrics();
      await expect(drive(id)).rejects.toThrow('process killed');
      // The nodes were told, but their answers were never committed: nothing counted.
      expect(only(NODE_OPERATIONS_METRIC, changes(before, await readMetrics()))).toEqual({});
      repository.finishOperations = finish;
      const result = await drive(id);
      expect(result.status).toBe('Succeeded');
      const changed = changes(before, await readMetrics());
      expect(only(NODE_OPERATIONS_METRIC, changed)).toEqual({
        'hotswap_node_operations_total{operation=install,result=ok}': 5,
      });
      expect(only(NODE_OPERATIONS_METRIC, changed)).toEqual(operationsLogged(result));
      expect(only(DEPLOYMENTS_STARTED_METRIC, changed)).toEqual({
        'hotswap_deployments_started_total{environment=Development,strategy=Direct}': 1,
      });
    });

    it('counts no start of an entry whose slot was taken before it committed (the transition rolled back)', async () => {
      environments.environments = testEnvironments({ Development: { maxConcurrentDeployments: 1 } });
      const slow = {
        strategy: 'Canary',
        strategyParams: { steps: [50, 100], stepWaitSeconds: 600, minSamples: 0, verifyWindowSeconds: 0 },
      };
      const modules = ['inventory-service', 'order-service'];
      const ids: string[] = [];
      for (const moduleName of modules) {
        await publish('5.0.0', false, undefined, moduleName);
        fleet.fleet('Development', moduleName, 2, '1.0.0');
        const created = await app
          .get(DeploymentsService)
          .create({ moduleName, version: '5.0.0', targetEnvironment: 'Development', ...slow }, DEPLOYER);
        ids.push(created.id);
      }
      const [first = '', second = ''] = ids;
      const runner = app.get(DeploymentRunner);
      // The first one takes the only slot and observes its first wave.
      expect(await runner.advance(first)).not.toBeNull();
      expect((await app.get(DeploymentQueries).detail(first)).status).toBe('Running');
      // The second one counts the slot free (as if the first had not committed yet), claims it and starts
      // deploying, and finds it taken at its commit: the transition rolls back and it waits Queued.
      const counts = jest.spyOn(app.get(DeploymentsRepository), 'runningIn').mockResolvedValueOnce(0);
      const before = await readMetrics();
      expect(await runner.advance(second)).not.toBeNull();
      expect(counts.mock.calls.length).toBeGreaterThanOrEqual(3);
      const queued = await app.get(DeploymentQueries).detail(second);
      expect(queued.status).toBe('Queued');
      expect(queued.stages.find((s) => s.environment === 'Development')?.status).toBe('Pending');
      expect(changes(before, await readMetrics())).toEqual({});
      counts.mockRestore();
      // Both finish in turn: one start and one finish each.
      expect((await drive(first)).status).toBe('Succeeded');
      expect((await drive(second)).status).toBe('Succeeded');
      const changed = changes(before, await readMetrics());
      expect(only(DEPLOYMENTS_STARTED_METRIC, changed)).toEqual({
        'hotswap_deployments_started_total{environment=Development,strategy=Canary}': 1,
      });
      expect(only(DEPLOYMENTS_FINISHED_METRIC, changed)).toEqual({
        'hotswap_deployments_finished_total{environment=Development,outcome=Succeeded,strategy=Canary}': 2,
      });
    });
  });
});
