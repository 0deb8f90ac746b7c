import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { ClustersModule, EnvironmentsService, NodesService } from '@hotswap/clusters';
import { MODULE_INVENTORY, type ModuleInventory } from '@hotswap/modules';

const PAGE = 1_000;

/** What the fleet runs, for the registry's dependency checks (wired here: clusters depends on modules). */
@Injectable()
export class FleetModuleInventory implements ModuleInventory {
  constructor(
    @Inject(NodesService) private readonly nodes: NodesService,
    @Inject(EnvironmentsService) private readonly environments: EnvironmentsService,
  ) {}

  async activeVersions(environment: string, moduleName: string): Promise<(string | null)[] | null> {
    const known = (await this.environments.list()).find(
      (e) => e.name.toLowerCase() === environment.toLowerCase(),
    );
    if (known === undefined) return null;
    const versions: (string | null)[] = [];
    let after: { name: string; id: string } | undefined;
    for (;;) {
      const page = await this.nodes.list({ environment: known.name }, after, PAGE);
      for (const view of page)
        versions.push(view.modules.find((m) => m.moduleName === moduleName)?.activeVersion ?? null);
      const last = page[page.length - 1];
      if (page.length < PAGE || last === undefined) return versions;
      after = { name: last.node.name, id: last.node.id };
    }
  }
}

@Global()
@Module({
  imports: [ClustersModule],
  providers: [FleetModuleInventory, { provide: MODULE_INVENTORY, useExisting: FleetModuleInventory }],
  exports: [MODULE_INVENTORY],
})
export class FleetInventoryModule {}
