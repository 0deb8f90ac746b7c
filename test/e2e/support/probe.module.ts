import {
  Body,
  Controller,
  Get,
  Inject,
  Module,
  Param,
  Post,
  Query,
  Res,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { Idempotent } from '@hotswap/coordination';
import { Database } from '@hotswap/database';
import { Public } from '@hotswap/http';
import type { NextFunction, Request, Response } from 'express';
import { ApiExcludeController } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

class ProbeOwnerDto {
  @IsString()
  @MaxLength(10)
  name: string;
}

export class ProbeItemDto {
  @IsString()
  @Matches(/^[a-z0-9-]{3,64}$/)
  name: string;

  @IsInt()
  @Min(1)
  @Max(10)
  replicas: number;

  @IsIn(['Direct', 'Rolling'])
  strategy: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => ProbeOwnerDto)
  owner?: ProbeOwnerDto;
}

export class ProbeEffectDto {
  @IsString()
  @MaxLength(100)
  name: string;

  /** Holds the request open this long after its effect, so tests can overlap requests. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  delayMs?: number;
}

/** The table the effect route writes; tests create it (`CREATE TABLE probe_effect …`). */
export const PROBE_EFFECT_TABLE_SQL =
  'CREATE TABLE IF NOT EXISTS probe_effect (id serial PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())';

class SlowQueryDto {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(30_000)
  ms: number;
}

/** Routes that exist only in tests, to exercise the HTTP conventions before features exist. */
@ApiExcludeController()
// Test-only routes exercising HTTP conventions, not access rules.
@Public()
@Controller('probe')
export class ProbeController {
  constructor(@Inject(Database) private readonly database: Database) {}

  /** A mutating route with a visible side effect (a row), for the idempotency-key tests. */
  @Public()
  @Idempotent()
  @Post('effects')
  async createEffect(
    @Body() body: ProbeEffectDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ id: number; name: string }> {
    const rows = await this.database
      .manager()
      .query<{ id: number }[]>('INSERT INTO probe_effect (name) VALUES ($1) RETURNING id', [body.name]);
    const id = rows[0]?.id ?? 0;
    if (body.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, body.delayMs));
    res.setHeader('Location', `/api/v1/probe/effects/${id}`);
    return { id, name: body.name };
  }

  @Post('items')
  create(@Body() body: ProbeItemDto): { received: ProbeItemDto } {
    return { received: body };
  }

  @Get('items/:id')
  get(@Param('id') id: string): { id: string } {
    return { id };
  }

  @Get('slow')
  async slow(@Query() query: SlowQueryDto): Promise<{ sleptMs: number }> {
    await new Promise((resolve) => setTimeout(resolve, query.ms));
    return { sleptMs: query.ms };
  }

  @Get('boom')
  boom(): never {
    throw new Error('relation "secret_table" does not exist at SELECT * FROM secret_table');
  }
}

/** Stands in for the auth guard in tests: `X-Probe-User: <id>` authenticates as that user. */
function probeUser(req: Request & { user?: unknown }, _res: Response, next: NextFunction): void {
  const id = req.headers['x-probe-user'];
  if (typeof id === 'string') req.user = { id, kind: 'user', roles: [] };
  next();
}

@Module({ controllers: [ProbeController] })
export class ProbeModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(probeUser).forRoutes('probe/effects');
  }
}
