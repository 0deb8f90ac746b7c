import { Module } from '@nestjs/common';
import { ModulesModule } from '@hotswap/modules';
import { AgentGateway } from './agent/agent.gateway';
import { ClustersController } from './clusters.controller';
import { ClustersService } from './clusters.service';
import { DesiredStateService } from './desired-state.service';
import { AgentNodeDriver } from './drivers/agent-node-driver';
import { FleetNodeDriver } from './drivers/fleet-node-driver';
import { NODE_DRIVER } from './drivers/node-driver';
import { NodeStateReader } from './drivers/node-state-reader';
import { SimulatedNodeDriver } from './drivers/simulated-node-driver';
import { EnrollmentTokensRepository } from './enrollment-tokens.repository';
import { EnrollmentService } from './enrollment.service';
import { EnvironmentsController } from './environments.controller';
import { EnvironmentsRepository } from './environments.repository';
import { EnvironmentsService } from './environments.service';
import { AuditTrailFleetAudit, FleetAudit } from './fleet-audit';
import { FleetScheduler, LeaderFleetScheduler } from './fleet-scheduler';
import {
  HeartbeatIngestor,
  heartbeatCounter,
  heartbeatFlushHistogram,
  heartbeatIngestHistogram,
} from './heartbeat-ingestor';
import { HeartbeatMonitor } from './heartbeat-monitor';
import { MetricsRepository } from './metrics.repository';
import { NodeTransitions } from './node-transitions';
import { NodeWakeups } from './node-wakeups';
import { NodesController } from './nodes.controller';
import { FleetNodeCredentials } from './node-credential.authenticator';
import { NodesRepository } from './nodes.repository';
import { NodesService } from './nodes.service';
import { PreviousSlotRetention } from './previous-slot-retention';
import { SimulatedFleet } from './simulation/simulated-fleet';
import { SimulationController } from './simulation/simulation.controller';
import { SimulationFaultsRepository } from './simulation/simulation-faults.repository';

/** Environments, nodes, enrollment, the agent protocol, heartbeats and the simulated fleet. */
@Module({
  imports: [ModulesModule],
  controllers: [EnvironmentsController, NodesController, ClustersController, SimulationController],
  providers: [
    { provide: FleetAudit, useClass: AuditTrailFleetAudit },
    { provide: FleetScheduler, useClass: LeaderFleetScheduler },
    heartbeatIngestHistogram,
    heartbeatCounter,
    heartbeatFlushHistogram,
    EnvironmentsRepository,
    NodesRepository,
    MetricsRepository,
    EnrollmentTokensRepository,
    SimulationFaultsRepository,
    EnvironmentsService,
    NodesService,
    NodeTransitions,
    HeartbeatIngestor,
    HeartbeatMonitor,
    PreviousSlotRetention,
    ClustersService,
    EnrollmentService,
    NodeWakeups,
    DesiredStateService,
    AgentGateway,
    SimulatedFleet,
    NodeStateReader,
    AgentNodeDriver,
    SimulatedNodeDriver,
    FleetNodeDriver,
    { provide: NODE_DRIVER, useExisting: FleetNodeDriver },
    FleetNodeCredentials,
  ],
  exports: [
    NODE_DRIVER,
    EnvironmentsService,
    NodesService,
    HeartbeatIngestor,
    SimulatedFleet,
    DesiredStateService,
    FleetNodeCredentials,
  ],
})
export class ClustersModule {}
