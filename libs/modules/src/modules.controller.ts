import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Res,
  StreamableFile,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { IdempotencyExempt, Idempotent } from '@hotswap/coordination';
import { Role, type Principal } from '@hotswap/contracts';
import {
  AcceptsContent,
  AcceptsNodeCredential,
  ApiProblems,
  CurrentPrincipal,
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  PageQueryDto,
  Roles,
} from '@hotswap/http';
import type { Response } from 'express';
import {
  ModuleDetailDto,
  ModuleNameParams,
  ModulePageDto,
  ModuleVersionPageDto,
  ModuleVersionParams,
  ModuleVersionResponseDto,
  PublishVersionDto,
  ReasonDto,
} from './dto/module.dto';
import { DependencyQueryDto, DependencyReportDto } from './dto/dependency.dto';
import { toVersionResponse } from './module.mapper';
import { ModuleRegistry } from './module-registry.service';

interface UploadedArtifact {
  readonly buffer: Buffer;
  readonly size: number;
}

@ApiTags('modules')
@Controller('modules')
export class ModulesController {
  constructor(@Inject(ModuleRegistry) private readonly registry: ModuleRegistry) {}

  @Get()
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'listModules', summary: 'Modules by name, each with its newest version.' })
  @ApiOkResponse({ type: ModulePageDto })
  @ApiProblems(400)
  async list(@Query() query: PageQueryDto): Promise<ModulePageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(query.cursor);
    const rows = await this.registry.listModules(typeof after === 'string' ? after : undefined, limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map((m) => ({
        name: m.name,
        ...(m.description === null ? {} : { description: m.description }),
        versionCount: m.versionCount,
        ...(m.latestVersion === undefined ? {} : { latestVersion: m.latestVersion }),
        createdAt: new Date(m.createdAt).toISOString(),
      })),
      nextCursor: rows.length > limit && page.length > 0 ? encodeCursor(page[page.length - 1]?.name) : null,
    };
  }

  @Get(':name')
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'getModule', summary: 'A module and its versions, newest first.' })
  @ApiOkResponse({ type: ModuleDetailDto })
  @ApiProblems(400, 404)
  async get(@Param() params: ModuleNameParams): Promise<ModuleDetailDto> {
    const { summary, versions } = await this.registry.getModule(params.name);
    return {
      name: summary.name,
      ...(summary.description === null ? {} : { description: summary.description }),
      versionCount: summary.versionCount,
      ...(summary.latestVersion === undefined ? {} : { latestVersion: summary.latestVersion }),
      createdAt: summary.createdAt.toISOString(),
      versions: versions.map(toVersionResponse),
    };
  }

  @Get(':name/versions')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'listModuleVersions',
    summary: 'Versions of a module in SemVer order, newest first.',
  })
  @ApiOkResponse({ type: ModuleVersionPageDto })
  @ApiProblems(400, 404)
  async versions(
    @Param() params: ModuleNameParams,
    @Query() query: PageQueryDto,
  ): Promise<ModuleVersionPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(query.cursor);
    const all = await this.registry.versionsOfExisting(params.name);
    const start = typeof after === 'string' ? all.findIndex((v) => v.version === after) + 1 : 0;
    const page = all.slice(start, start + limit);
    return {
      items: page.map(toVersionResponse),
      nextCursor:
        start + limit < all.length && page.length > 0 ? encodeCursor(page[page.length - 1]?.version) : null,
    };
  }

  @Post(':name/versions')
  @IdempotencyExempt(
    'multipart upload: the body is parsed after the idempotency check and cannot be fingerprinted; publishing an existing version is refused with 409, so a retry cannot publish twice',
  )
  @Roles(Role.Deployer)
  @AcceptsContent('multipart/form-data')
  @UseInterceptors(FileInterceptor('artifact'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['manifest', 'artifact'],
      properties: {
        manifest: { type: 'string', description: 'The manifest as JSON text' },
        artifact: { type: 'string', format: 'binary' },
        signature: { type: 'string', description: 'Detached signature, base64' },
        signingKeyId: { type: 'string', format: 'uuid' },
      },
    },
  })
  @ApiOperation({
    operationId: 'publishModuleVersion',
    summary: 'Publish a version: manifest + artifact (+ signature).',
  })
  @ApiCreatedResponse({ type: ModuleVersionResponseDto })
  @ApiProblems(400, 409, 413, 415, 422)
  async publish(
    // The name is checked by the service together with the body, so every error is listed at once.
    @Param('name') name: string,
    @Body() body: PublishVersionDto,
    @UploadedFile() artifact: UploadedArtifact | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ModuleVersionResponseDto> {
    const saved = await this.registry.publish(
      name,
      {
        manifestText: body.manifest,
        artifact: artifact?.buffer,
        signature: body.signature,
        signingKeyId: body.signingKeyId,
      },
      principal,
    );
    return toVersionResponse(saved);
  }

  @Get(':name/versions/:version')
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'getModuleVersion', summary: 'One version with its manifest and digest.' })
  @ApiOkResponse({ type: ModuleVersionResponseDto })
  @ApiProblems(400, 404)
  async version(@Param() params: ModuleVersionParams): Promise<ModuleVersionResponseDto> {
    return toVersionResponse(await this.registry.getVersion(params.name, params.version));
  }

  @Get(':name/versions/:version/dependencies')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'checkModuleDependencies',
    summary: 'Each dependency of the version against the versions running in an environment.',
  })
  @ApiOkResponse({ type: DependencyReportDto })
  @ApiProblems(400, 404)
  dependencies(
    @Param() params: ModuleVersionParams,
    @Query() query: DependencyQueryDto,
  ): Promise<DependencyReportDto> {
    return this.registry.dependencyReport(params.name, params.version, query.environment);
  }

  @Get(':name/versions/:version/artifact')
  @Roles(Role.Viewer)
  @AcceptsNodeCredential()
  @ApiProduces('application/octet-stream')
  @ApiOperation({
    operationId: 'downloadModuleArtifact',
    summary: 'The artifact bytes; the digest is in `Repr-Digest` (RFC 9530) and `X-Content-SHA256`.',
    description:
      'For users and API tokens with Viewer, and for enrolled nodes with their node credential (`Bearer hsnc_…`), which is accepted on no other route.',
  })
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiProblems(400, 404)
  async artifact(
    @Param() params: ModuleVersionParams,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const { version, content } = await this.registry.artifact(params.name, params.version);
    res.setHeader('X-Content-SHA256', version.sha256);
    res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(version.sha256, 'hex').toString('base64')}:`);
    res.setHeader('ETag', `"${version.sha256}"`);
    return new StreamableFile(content, {
      type: 'application/octet-stream',
      length: content.length,
      disposition: `attachment; filename="${version.moduleName}-${version.version}.js"`,
    });
  }

  @Post(':name/versions/:version/yank')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Admin)
  @ApiOperation({ operationId: 'yankModuleVersion', summary: 'Withdraw a version from new deployments.' })
  @ApiOkResponse({ type: ModuleVersionResponseDto })
  @ApiProblems(400, 404, 409)
  async yank(
    @Param() params: ModuleVersionParams,
    @Body() body: ReasonDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ModuleVersionResponseDto> {
    return toVersionResponse(
      await this.registry.setYanked(params.name, params.version, true, body.reason, principal),
    );
  }

  @Post(':name/versions/:version/unyank')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Admin)
  @ApiOperation({ operationId: 'unyankModuleVersion', summary: 'Make a yanked version deployable again.' })
  @ApiOkResponse({ type: ModuleVersionResponseDto })
  @ApiProblems(400, 404, 409)
  async unyank(
    @Param() params: ModuleVersionParams,
    @Body() body: ReasonDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ModuleVersionResponseDto> {
    return toVersionResponse(
      await this.registry.setYanked(params.name, params.version, false, body.reason, principal),
    );
  }
}
