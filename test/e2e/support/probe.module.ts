import { Body, Controller, Get, Module, Param, Post, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@hotswap/http';
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

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
