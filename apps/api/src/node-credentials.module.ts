import { Global, Module } from '@nestjs/common';
import { ClustersModule, FleetNodeCredentials } from '@hotswap/clusters';
import { NODE_CREDENTIAL_AUTHENTICATOR } from '@hotswap/contracts';

/**
 * Node credentials for the HTTP authentication guard (wired here: auth must not depend on the fleet).
 * Only routes marked `@AcceptsNodeCredential()` consult it.
 */
@Global()
@Module({
  imports: [ClustersModule],
  providers: [{ provide: NODE_CREDENTIAL_AUTHENTICATOR, useExisting: FleetNodeCredentials }],
  exports: [NODE_CREDENTIAL_AUTHENTICATOR],
})
export class NodeCredentialsModule {}
