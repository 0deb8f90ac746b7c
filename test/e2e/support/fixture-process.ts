import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const FIXTURES_DIR = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'dist',
  'test',
  'e2e',
  'support',
  'coordination',
);

/** One JSON line a fixture printed, stamped with when the test received it. */
export interface FixtureEvent {
  readonly event: string;
  readonly receivedAt: number;
  readonly [field: string]: unknown;
}

/**
 * A compiled fixture (`dist/test/e2e/support/coordination/<name>.js`) run as its own process. It
 * reports JSON lines on stdout and takes JSON commands on stdin. Every wait is bounded; the process
 * is killed only by its own PID.
 */
export class FixtureProcess {
  readonly events: FixtureEvent[] = [];
  readonly stderr: string[] = [];
  private readonly listeners = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    if (child.stdout !== null) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (!line.startsWith('{')) return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          return;
        }
        if (typeof parsed !== 'object' || parsed === null || !('event' in parsed)) return;
        this.events.push({ ...(parsed as { event: string }), receivedAt: Date.now() });
        for (const listener of this.listeners) listener();
      });
    }
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(fixture: string, env: Record<string, string>): FixtureProcess {
    const child = spawn(process.execPath, [path.join(FIXTURES_DIR, `${fixture}.js`)], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LOG_LEVEL: 'silent', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new FixtureProcess(fixture, child);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  send(command: Record<string, unknown>): void {
    this.child.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  /** The first event (from index `from` on) matching `match`, waiting up to `timeoutMs`. */
  waitFor(match: (e: FixtureEvent) => boolean, timeoutMs: number, from = 0): Promise<FixtureEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.slice(from).find(match);
        if (found === undefined) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const onExit = (): void => {
        if (!check()) {
          cleanup();
          reject(new Error(`${this.name} exited while waited on:\n${this.stderr.join('')}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `${this.name}: no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events.slice(-5))}\n${this.stderr.join('')}`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        this.child.off('exit', onExit);
      };
      const listener = (): void => void check();
      this.listeners.add(listener);
      this.child.once('exit', onExit);
      check();
    });
  }

  /** SIGKILL (by PID) and wait for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    this.child.kill(signal);
    await this.exited;
  }

  async dispose(): Promise<void> {
    this.child.stdin?.end();
    await this.kill('SIGKILL');
  }
}
