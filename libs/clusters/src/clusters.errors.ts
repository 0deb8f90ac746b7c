import { ClusterErrorCode } from '@hotswap/contracts';
import { DomainError } from '@hotswap/http';

export class ClusterError extends DomainError {}

export const environmentNotFound = (name: string) =>
  new ClusterError(ClusterErrorCode.EnvironmentNotFound, `Environment '${name}' was not found.`);

export const nodeNotFound = (id: string) =>
  new ClusterError(ClusterErrorCode.NodeNotFound, `Node '${id}' was not found.`);

export const enrollmentTokenInvalid = () =>
  new ClusterError(
    ClusterErrorCode.EnrollmentTokenInvalid,
    'The enrollment token is not valid: unknown, expired or used up.',
  );

export const simulationDisabled = () =>
  new ClusterError(
    ClusterErrorCode.SimulationDisabled,
    'The fleet simulation is off (FLEET_SIMULATION=false); fault profiles apply only to simulated nodes.',
  );
