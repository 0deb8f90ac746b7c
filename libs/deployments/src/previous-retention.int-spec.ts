import { type INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { AuditModule } from '@hotswap/audit';
import { FleetScheduler, NodesService, PreviousSlotRetention, SimulatedFleet } from '@hotswap/clusters';
import { ConfigModule, loadConfig } from '@hotswap/config';
import { ManualClock, SYSTEM_PRINCIPAL, type Principal } from '@hotswap/contracts';
import { CoordinationModule } from '@hotswap/coordination';
import { DatabaseModule } from '@hotswap/database';
import { EventsModule } from '@hotswap/events';
import { ModuleRegistry } from '@hotswap/modules';
import { createTestDatabase, type TestDatabase } from '@hotswap/testing';
import { FleetInventoryModule } from '../../../apps/api/src/fleet-inventory.module';
import { SCHEMA } from '../../../apps/api/src/schema';
import { DEPLOYMENT_CLOCK } from './clock';
import { DeploymentQueries } from './deployment-queries';
import { DeploymentRunner } from './deployment-runner';
import { DeploymentsModule } from './deployments.module';
import { DeploymentsService } from './deployments.service';
import type { DeploymentResponseDto } from './dto/deployment.response.dto';
import { ManualRollback } from './manual-rollback';
import { DEPLOYMENT_SCHEDULER } from './ports';
import { RecordingScheduler } from './testing/fake-ports';

const DEPLOYER: Principal = { id: 'u-dave', kind: 'user', username: 'dave', roles: ['Deployer'] };
const MODULE = 'payment-processor';
const NODES = 3;

/**
 * The previous slot's retention on the real fleet (simulated nodes in PostgreSQL): what a deployment
 * leaves loaded, for how long, and that the fleet's sweep really unloads it then (deployments spec §3,
 * §4 BlueGreen).
 */
describe('previous version retention (real database, simulated fleet)', () => {
  let database: TestDatabase;
  let app: INestApplication;
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 12, 0, 0));

  beforeAll(async () => {
    register.clear();
    database = await createTestDatabase(SCHEMA);
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      LOG_LEVEL: 'silent',
      FLEET_SIMULATION: 'true',
      // QA: no approval, unsigned modules allowed.
      FLEET_SIMULATION_NODES: `0,${NODES},0,0`,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config, clock),
        DatabaseModule.forRoot(SCHEMA),
        EventsModule,
        CoordinationModule.forRoot(),
        AuditModule,
        FleetInventoryModule,
        DeploymentsModule.forRoot({
          providers: [
            { provide: DEPLOYMENT_SCHEDULER, useValue: new RecordingScheduler() },
            { provide: DEPLOYMENT_CLOCK, useValue: { now: () => clock.now() } },
          ],
        }),
      ],
    })
      // The test runs the sweeps itself: no periodic fleet job races its reads.
      .overrideProvider(FleetScheduler)
      .useValue({ every: () => undefined })
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    // The fleet's agent gateway needs a WebSocket adapter, as in the application.
    app.useWebSocketAdapter(new WsAdapter(app));
    await app.init();
    // Heartbeats are driven by the test (the clock only moves when told to).
    app.get(SimulatedFleet).stop();
    for (const version of ['1.0.0', '2.0.0', '3.0.0', '4.0.0']) {
      await app.get(ModuleRegistry).publish(
        MODULE,
        {
          manifestText: JSON.stringify({ version }),
          artifact: Buffer.from(
            `module.exports = { health() { return { status: 'healthy' }; } }; // ${version}`,
          ),
          signature: undefined,
          signingKeyId: undefined,
        },
        SYSTEM_PRINCIPAL,
      );
    }
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  /** Moves the clock and lets every node heartbeat at the new time (so none looks silent). */
  async function advance(seconds: number): Promise<void> {
    clock.advance(seconds * 1000);
    await app.get(SimulatedFleet).beatAll();
  }

  /** Runs a deployment to its end as the job queue would, jumping the clock over its waits. */
  async function drive(id: string): Promise<DeploymentResponseDto> {
    const runner = app.get(DeploymentRunner);
    for (let i = 0; i < 200; i++) {
      const next = await runner.advance(id);
      if (next === null) break;
      if (next.getTime() > clock.now().getTime())
        await advance((next.getTime() - clock.now().getTime()) / 1000);
    }
    return app.get(DeploymentQueries).detail(id);
  }

  async function deploy(version: string, strategy: string, strategyParams: Record<string, unknown>) {
    const created = await app.get(DeploymentsService).create(
      {
        moduleName: MODULE,
        version,
        targetEnvironment: 'QA',
        promotion: 'target-only',
        strategy,
        strategyParams: { verifyWindowSeconds: 0, ...strategyParams },
      },
      DEPLOYER,
    );
    const done = await drive(created.id);
    expect(done.status).toBe('Succeeded');
    return done;
  }

  /** The module on every QA node, as the nodes API shows it. */
  async function modules() {
    const views = await app.get(NodesService).list({ environment: 'QA' }, undefined, 100);
    expect(views).toHaveLength(NODES);
    return views.map((v) => {
      const m = v.modules.find((x) => x.moduleName === MODULE);
      return {
        active: m?.activeVersion ?? null,
        previous: m?.previousVersion ?? null,
        loaded: m?.previousLoaded ?? false,
        until: m?.previousRetainedUntil?.toISOString() ?? null,
      };
    });
  }

  const sweep = () => app.get(PreviousSlotRetention).sweep();

  it('BlueGreen success: blue stays loaded as previous for scaleDownDelaySeconds, then the sweep unloads it', async () => {
    await deploy('1.0.0', 'Direct', {});
    const switchedAt = clock.now().getTime();
    const done = await deploy('2.0.0', 'BlueGreen', {
      smokeTestTimeoutSeconds: 60,
      scaleDownDelaySeconds: 30,
    });
    expect(done.stages.find((s) => s.environment === 'QA')?.message).toContain('blue retained for 30s');
    const until = new Date(switchedAt + 30_000).toISOString();
    expect(await modules()).toEqual(
      Array.from({ length: NODES }, () => ({ active: '2.0.0', previous: '1.0.0', loaded: true, until })),
    );

    // Before the deadline the sweep leaves blue loaded.
    await advance(29);
    await sweep();
    expect((await modules()).every((m) => m.loaded && m.until === until)).toBe(true);

    // Past it, blue is unloaded; its version stays remembered for a rollback.
    await advance(2);
    await sweep();
    expect(await modules()).toEqual(
      Array.from({ length: NODES }, () => ({
        active: '2.0.0',
        previous: '1.0.0',
        loaded: false,
        until: null,
      })),
    );
    // Idempotent: nothing is left to unload.
    expect(await sweep()).toBe(0);
  });

  it('install keeps the old version loaded for retainPreviousSeconds; a rollback after the unload still restores it', async () => {
    const installedAt = clock.now().getTime();
    const original = await deploy('3.0.0', 'Direct', { retainPreviousSeconds: 120 });
    const until = new Date(installedAt + 120_000).toISOString();
    expect(await modules()).toEqual(
      Array.from({ length: NODES }, () => ({ active: '3.0.0', previous: '2.0.0', loaded: true, until })),
    );

    await advance(119);
    await sweep();
    expect((await modules()).every((m) => m.loaded)).toBe(true);

    await advance(1);
    await sweep();
    expect(await modules()).toEqual(
      Array.from({ length: NODES }, () => ({
        active: '3.0.0',
        previous: '2.0.0',
        loaded: false,
        until: null,
      })),
    );

    // The previous version is no longer loaded: the rollback loads it again and switches to it.
    const rollback = await app.get(ManualRollback).start(original.id, undefined, DEPLOYER);
    const rolledBack = await drive(rollback.id);
    expect(rolledBack.status).toBe('Succeeded');
    expect((await modules()).map((m) => m.active)).toEqual(Array.from({ length: NODES }, () => '2.0.0'));
  });

  it('retainPreviousSeconds 0: the old version is remembered, not kept loaded', async () => {
    await deploy('4.0.0', 'Rolling', {
      batchSize: NODES,
      healthCheckDelaySeconds: 0,
      retainPreviousSeconds: 0,
    });
    expect(await modules()).toEqual(
      Array.from({ length: NODES }, () => ({
        active: '4.0.0',
        previous: '2.0.0',
        loaded: false,
        until: null,
      })),
    );
  });
});
