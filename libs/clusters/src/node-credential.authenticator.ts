import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedNode, NodeCredentialAuthenticator } from '@hotswap/contracts';
import { EnrollmentService } from './enrollment.service';

/**
 * The fleet's answer to "whose node credential is this?" for HTTP routes that accept one (the
 * artifact download). A decommissioned node's credential is gone with its row, so it fails here.
 */
@Injectable()
export class FleetNodeCredentials implements NodeCredentialAuthenticator {
  constructor(@Inject(EnrollmentService) private readonly enrollment: EnrollmentService) {}

  async authenticate(credential: string): Promise<AuthenticatedNode | null> {
    const node = await this.enrollment.authenticate(credential);
    return node === null ? null : { id: node.id, name: node.name };
  }
}
