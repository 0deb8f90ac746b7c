// One replica campaigning for leadership. While it leads, it writes a fenced sample row every
// SAMPLE_MS; it reports every leadership change and, every SAMPLE_MS, whether it believes it leads.
import 'reflect-metadata';
import { createDataSource, Database } from '@hotswap/database';
import { CoordinationMetrics, LeaderElection, LeaderLeaseRepository } from '@hotswap/coordination';
import { SCHEMA } from '../../../../apps/api/src/schema';
import { emit, fail, required } from './fixture-io';

async function main(): Promise<void> {
  const dataSource = createDataSource({ url: required('DATABASE_URL'), poolSize: 3, schema: SCHEMA });
  await dataSource.initialize();
  const election = new LeaderElection(
    new LeaderLeaseRepository(new Database(dataSource)),
    {
      name: required('ELECTION'),
      renewIntervalMs: Number(process.env.RENEW_MS ?? 5_000),
      leaseTtlMs: Number(process.env.TTL_MS ?? 15_000),
      holderId: required('CANDIDATE'),
    },
    CoordinationMetrics.standalone(),
  );
  election.onChange((change) =>
    emit(change.leader ? 'elected' : 'lost', { epoch: change.epoch, reason: change.reason }),
  );
  const sampleMs = Number(process.env.SAMPLE_MS ?? 100);
  const sample = async (): Promise<void> => {
    const epoch = election.epoch;
    emit('status', { leader: epoch !== undefined, epoch: epoch ?? null });
    if (epoch === undefined) return;
    const written = await election.fencedWrite(
      election.fence(),
      'INSERT INTO leader_samples (holder, epoch, at) SELECT $1, $2, clock_timestamp() WHERE $fence',
      [election.holderId, epoch],
    );
    if (written !== 1) emit('fenced-write-rejected', { epoch });
  };
  setInterval(
    () => void sample().catch((error: unknown) => emit('error', { message: String(error) })),
    sampleMs,
  );
  election.start();
  emit('ready', { pid: process.pid });
}

main().catch(fail);
