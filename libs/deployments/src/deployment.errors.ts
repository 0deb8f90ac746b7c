import { DeploymentErrorCode } from '@hotswap/contracts';
import { DomainError } from '@hotswap/http';

export class DeploymentError extends DomainError {}

export const deploymentNotFound = (id: string) =>
  new DeploymentError(DeploymentErrorCode.DeploymentNotFound, `Deployment '${id}' was not found.`);
