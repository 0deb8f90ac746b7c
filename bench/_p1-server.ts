/**
 * The API as `npm start` runs it, plus one unauthenticated route for the P1 bench:
 * `GET /api/v1/bench/bare` answers the bytes of the file named by BENCH_BARE_BODY_FILE (read on its
 * first request, then kept) as application/json — no guard, no validation, no database, but the
 * same global middleware (request id, logging, metrics, helmet) as every route of the app.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Controller, Get, Module, Res } from '@nestjs/common';
import { loadConfig } from '@hotswap/config';
import { Public } from '@hotswap/http';
import type { Response } from 'express';
import { runServer } from '../apps/api/src/bootstrap';

let body: Buffer | undefined;

@Controller('bench')
class BareRouteController {
  @Public()
  @Get('bare')
  bare(@Res() res: Response): void {
    body ??= readFileSync(process.env.BENCH_BARE_BODY_FILE ?? '');
    res.type('application/json').send(body);
  }
}

@Module({ controllers: [BareRouteController] })
class BareRouteModule {}

runServer({ config: loadConfig(), imports: [BareRouteModule] }).catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${String(error)}\n`);
  process.exit(1);
});
