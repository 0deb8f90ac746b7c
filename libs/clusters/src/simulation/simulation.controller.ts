import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Idempotent } from '@hotswap/coordination';
import { Role, type Principal } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { ApiProblems, CurrentPrincipal, RequestValidationError, Roles } from '@hotswap/http';
import { simulationDisabled } from '../clusters.errors';
import { FaultSetDto } from '../dto/fault.dto';
import { FleetAudit } from '../fleet-audit';
import type { FaultProfile } from './fault-profiles';
import { SimulatedFleet } from './simulated-fleet';
import { SimulationFaultsRepository } from './simulation-faults.repository';

@ApiTags('simulation')
@Controller('simulation/faults')
export class SimulationController {
  constructor(
    @Inject(SimulatedFleet) private readonly fleet: SimulatedFleet,
    @Inject(SimulationFaultsRepository) private readonly faults: SimulationFaultsRepository,
    @Inject(Database) private readonly database: Database,
    @Inject(FleetAudit) private readonly audit: FleetAudit,
  ) {}

  @Get()
  @Roles(Role.Admin)
  @ApiOperation({
    operationId: 'getSimulationFaults',
    summary: 'The fault profiles applied to the simulated fleet.',
  })
  @ApiOkResponse({ type: FaultSetDto })
  @ApiProblems(409)
  async get(): Promise<FaultSetDto> {
    if (!this.fleet.enabled) throw simulationDisabled();
    return { faults: (await this.faults.read()).faults };
  }

  @Put()
  @Idempotent()
  @Roles(Role.Admin)
  @ApiOperation({
    operationId: 'setSimulationFaults',
    summary: 'Replace the fault profiles (deterministic effects).',
  })
  @ApiOkResponse({ type: FaultSetDto })
  @ApiProblems(400, 409)
  async put(@Body() body: FaultSetDto, @CurrentPrincipal() principal: Principal): Promise<FaultSetDto> {
    if (!this.fleet.enabled) throw simulationDisabled();
    const seen = new Set<string>();
    body.faults.forEach((f, i) => {
      const key = `${f.moduleName}@${f.version}`;
      if (seen.has(key)) {
        throw new RequestValidationError([{ field: `faults.${i}`, message: `a second profile for ${key}` }]);
      }
      seen.add(key);
    });
    return this.replace(
      body.faults.map((f) => ({ ...f })),
      principal,
    );
  }

  @Delete()
  @Idempotent()
  @HttpCode(HttpStatus.NO_CONTENT)
  @Roles(Role.Admin)
  @ApiOperation({ operationId: 'clearSimulationFaults', summary: 'Remove every fault profile.' })
  @ApiNoContentResponse({ description: 'Cleared.' })
  @ApiProblems(409)
  async clear(@CurrentPrincipal() principal: Principal): Promise<void> {
    if (!this.fleet.enabled) throw simulationDisabled();
    await this.replace([], principal);
  }

  private async replace(faults: FaultProfile[], principal: Principal): Promise<FaultSetDto> {
    await this.database.transaction(async () => {
      const revision = await this.faults.replace(faults);
      await this.audit.record({
        action: 'simulation.faults.replace',
        result: 'success',
        actor: principal,
        resource: { type: 'simulated-fleet', id: 'faults' },
        details: { revision, faults },
      });
    });
    await this.fleet.refreshFaults();
    return { faults };
  }
}
