import { Logger } from '@nestjs/common';
import type { Fence } from './fence';
import type { LeaderElection } from './leader-election';
import { assertResourceName } from './lock-key';

export interface LeaderTaskContext {
  /** The term this run belongs to: embed it in the run's writes (see `Fence`). */
  readonly fence: Fence;
  /** Aborted when leadership is lost (or the scheduler stops) during the run. */
  readonly signal: AbortSignal;
}

export type LeaderTask = (context: LeaderTaskContext) => Promise<void>;

interface Task {
  readonly name: string;
  readonly intervalMs: number;
  readonly run: LeaderTask;
  timer?: NodeJS.Timeout;
  running?: { controller: AbortController; done: Promise<void> };
}

/**
 * Periodic jobs that run on exactly one replica: the current leader of one election. Every
 * `intervalMs` each replica checks whether it leads; only the leader runs the task, with the term's
 * fence, and the run is aborted if leadership is lost meanwhile. A run still going when the next is
 * due makes that one skip.
 */
export class LeaderScheduler {
  private readonly logger = new Logger('LeaderScheduler');
  private readonly tasks = new Map<string, Task>();
  private started = false;
  private unsubscribe: (() => void) | undefined;

  constructor(readonly election: LeaderElection) {}

  /** Registers `run` to be called every `intervalMs` on the leader. Names are unique. */
  every(name: string, intervalMs: number, run: LeaderTask): void {
    assertResourceName(name, 'A task name');
    if (this.tasks.has(name)) throw new Error(`a leader task named '${name}' is already registered`);
    if (!Number.isFinite(intervalMs) || intervalMs < 1) throw new Error('intervalMs must be at least 1');
    const task: Task = { name, intervalMs, run };
    this.tasks.set(name, task);
    if (this.started) this.schedule(task);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.election.onChange((change) => {
      if (!change.leader) for (const task of this.tasks.values()) task.running?.controller.abort();
    });
    for (const task of this.tasks.values()) this.schedule(task);
  }

  /** Stops the timers, aborts running tasks and waits for them to return. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.unsubscribe?.();
    const running: Promise<void>[] = [];
    for (const task of this.tasks.values()) {
      clearInterval(task.timer);
      task.timer = undefined;
      if (task.running !== undefined) {
        task.running.controller.abort();
        running.push(task.running.done);
      }
    }
    await Promise.all(running);
  }

  /** Runs `name` now if this process leads and it is not already running; resolves when it ends. */
  async runNow(name: string): Promise<boolean> {
    const task = this.tasks.get(name);
    if (task === undefined) throw new Error(`no leader task named '${name}'`);
    return this.runTask(task);
  }

  private schedule(task: Task): void {
    task.timer = setInterval(() => void this.runTask(task), task.intervalMs);
    task.timer.unref();
  }

  private async runTask(task: Task): Promise<boolean> {
    if (task.running !== undefined || !this.election.isLeader) return false;
    const fence = this.election.fence();
    const controller = new AbortController();
    const done = (async () => {
      try {
        await task.run({ fence, signal: controller.signal });
      } catch (error) {
        this.logger.error({ msg: 'leader task failed', task: task.name, err: error });
      }
    })();
    task.running = { controller, done };
    try {
      await done;
    } finally {
      task.running = undefined;
    }
    return true;
  }
}
