// One process competing for a distributed lock: {"cmd":"acquire","timeoutMs":n} / {"cmd":"release"}.
import 'reflect-metadata';
import { CoordinationMetrics, DistributedLock, type LockHandle } from '@hotswap/coordination';
import { Pool } from 'pg';
import { emit, fail, onCommand, required } from './fixture-io';

async function main(): Promise<void> {
  const resource = required('LOCK_RESOURCE');
  const pool = new Pool({ connectionString: required('DATABASE_URL'), max: 2 });
  pool.on('error', () => undefined);
  // Connect once up front, so the first acquire measures the lock and not the connection.
  await pool.query('SELECT 1');
  const locks = new DistributedLock(pool, undefined, CoordinationMetrics.standalone());
  let handle: LockHandle | null = null;
  onCommand(async (command) => {
    if (command.cmd === 'acquire') {
      const started = Date.now();
      emit('waiting');
      handle = await locks.acquire(resource, { timeoutMs: Number(command.timeoutMs ?? 0) });
      emit(handle === null ? 'timeout' : 'acquired', { waitedMs: Date.now() - started });
    } else if (command.cmd === 'release') {
      await handle?.release();
      await handle?.release(); // idempotent
      handle = null;
      emit('released');
    }
  });
  emit('ready', { pid: process.pid });
}

main().catch(fail);
