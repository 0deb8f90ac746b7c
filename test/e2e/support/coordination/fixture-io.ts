// Shared by the coordination fixtures: JSON lines out, JSON commands in.
import { createInterface } from 'node:readline';

export function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, at: Date.now(), ...fields })}\n`);
}

export function onCommand(handler: (command: Record<string, unknown>) => Promise<void>): void {
  createInterface({ input: process.stdin }).on('line', (line) => {
    let command: unknown;
    try {
      command = JSON.parse(line);
    } catch {
      emit('error', { message: `not JSON: ${line}` });
      return;
    }
    if (typeof command !== 'object' || command === null) return;
    handler(command as Record<string, unknown>).catch((error: unknown) =>
      emit('error', { message: error instanceof Error ? error.message : String(error) }),
    );
  });
}

export function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    process.stderr.write(`${name} is required\n`);
    process.exit(2);
  }
  return value;
}

export function fail(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
