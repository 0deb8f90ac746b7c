import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..', '..');
export const API_ENTRY = path.join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
export const GATEWAY_ENTRY = path.join(ROOT, 'dist', 'apps', 'gateway', 'src', 'main.js');
export const PROBE_ENTRY = path.join(ROOT, 'dist', 'test', 'e2e', 'support', 'probe-server.js');

/** A HotSwap API process started by a test, with its output captured. */
export class ApiProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  port = 0;

  private constructor(readonly child: ChildProcess) {
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        this.stdout.push(line);
        const port = /"msg":"HotSwap (?:API|event gateway) listening".*"port":(\d+)/.exec(line)?.[1];
        if (port !== undefined) this.port = Number(port);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts `entry` with exactly `env` (plus PATH), never the test runner's environment. */
  static start(entry: string, env: Record<string, string>, nodeArgs: readonly string[] = []): ApiProcess {
    const child = spawn(process.execPath, [...nodeArgs, entry], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ApiProcess(child);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Waits until the process listens and `GET /health/ready` answers 200; returns elapsed ms. */
  async waitUntilReady(timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (this.child.exitCode !== null) {
        throw new Error(
          `process exited (${this.child.exitCode}) before ready:\n${this.stderr.join('')}\n${this.stdout.slice(-20).join('\n')}`,
        );
      }
      if (this.port !== 0) {
        const status = await fetch(`${this.url}/health/ready`).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) return Date.now() - started;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `not ready within ${timeoutMs} ms:\n${this.stderr.join('')}\n${this.stdout.slice(-20).join('\n')}`,
    );
  }

  exit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return Promise.race([
      this.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no exit within ${timeoutMs} ms`)), timeoutMs),
      ),
    ]);
  }

  /** Log records (JSON lines) whose `msg` equals `msg`. */
  records(msg: string): Record<string, unknown>[] {
    return this.stdout
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((record) => record.msg === msg);
  }

  /** Stops the process if a test left it running (SIGKILL, by its own PID). */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
