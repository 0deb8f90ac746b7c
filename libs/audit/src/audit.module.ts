import { Global, Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';
import { AuditRetentionJob } from './audit-retention.job';
import { AuditSealer } from './audit-sealer';
import { AuditService } from './audit.service';

/** The append-only, hash-chained audit trail; {@link AuditService} is available to every feature. */
@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditRepository, AuditSealer, AuditService, AuditRetentionJob],
  exports: [AuditService],
})
export class AuditModule {}
