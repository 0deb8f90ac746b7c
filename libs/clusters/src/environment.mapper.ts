import type { EnvironmentResponseDto } from './dto/environment.dto';
import type { EnvironmentEntity } from './entities/environment.entity';

export function toEnvironmentResponse(e: EnvironmentEntity): EnvironmentResponseDto {
  return {
    name: e.name,
    rank: e.rank,
    defaultStrategy: e.defaultStrategy,
    strategyDefaults: e.strategyDefaults,
    approvalPolicy: e.approvalPolicy,
    requireSignedModules: e.requireSignedModules,
    maxConcurrentDeployments: e.maxConcurrentDeployments,
    frozen: e.frozen,
    ...(e.frozenReason === null ? {} : { frozenReason: e.frozenReason }),
    ...(e.frozenBy === null ? {} : { frozenBy: e.frozenBy }),
    ...(e.frozenAt === null ? {} : { frozenAt: e.frozenAt.toISOString() }),
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}
