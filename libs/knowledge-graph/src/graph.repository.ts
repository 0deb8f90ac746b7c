import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import type { GraphOwner } from './entities/graph-entity.entity';
import type { Direction, GraphEntity, GraphRelationship } from './graph.types';

interface EntityRow {
  id: string;
  type: string;
  properties: Record<string, unknown>;
  owner: GraphOwner;
  version: number;
  created_by: string;
  updated_by: string;
  created_at: Date;
  updated_at: Date;
}

interface RelationshipRow {
  id: string;
  type: string;
  source_id: string;
  target_id: string;
  weight: number;
  is_directed: boolean;
  properties: Record<string, unknown>;
  owner: GraphOwner;
  created_by: string;
  created_at: Date;
}

export const ENTITY_COLUMNS =
  'id, type, properties, owner, version, created_by, updated_by, created_at, updated_at';
export const RELATIONSHIP_COLUMNS =
  'id, type, source_id, target_id, weight, is_directed, properties, owner, created_by, created_at';

export function toEntity(row: EntityRow): GraphEntity {
  return {
    id: row.id,
    type: row.type,
    properties: row.properties,
    owner: row.owner,
    version: row.version,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toRelationship(row: RelationshipRow): GraphRelationship {
  return {
    id: row.id,
    type: row.type,
    sourceEntityId: row.source_id,
    targetEntityId: row.target_id,
    weight: Number(row.weight),
    isDirected: row.is_directed,
    properties: row.properties,
    owner: row.owner,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export interface SchemaRow {
  version: string;
  definition: Record<string, unknown>;
  created_by: string;
  created_at: Date;
}

/** SQL of the graph tables. Joins the caller's transaction (see `Database`). */
@Injectable()
export class GraphRepository {
  /** Graph writes this process committed; lets its own readers skip the recheck window (DR-21). */
  localCommits = 0;

  constructor(@Inject(Database) readonly database: Database) {}

  /** Runs a graph write in one transaction and notes its commit for this process's readers. */
  async write<T>(work: () => Promise<T>): Promise<T> {
    const result = await this.database.transaction(work);
    this.localCommits++;
    return result;
  }

  private query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.database.manager().query<T[]>(sql, params);
  }

  /** Bumps the shared write generation; call inside the write's transaction. */
  async bumpGeneration(): Promise<number> {
    // UPDATE … RETURNING answers [rows, affected count] through TypeORM.
    const [rows] = await this.database
      .manager()
      .query<[{ generation: string }[], number]>(
        'UPDATE graph_state SET generation = generation + 1 WHERE id = 1 RETURNING generation',
      );
    return Number(rows[0]?.generation ?? 0);
  }

  async generation(): Promise<number> {
    const rows = await this.query<{ generation: string }>('SELECT generation FROM graph_state WHERE id = 1');
    return Number(rows[0]?.generation ?? 0);
  }

  async insertEntity(e: {
    id: string;
    type: string;
    properties: Record<string, unknown>;
    actor: string;
    owner?: GraphOwner;
  }): Promise<GraphEntity> {
    const rows = await this.query<EntityRow>(
      `INSERT INTO graph_entities (id, type, properties, owner, version, created_by, updated_by)
       VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING ${ENTITY_COLUMNS}`,
      [e.id, e.type, JSON.stringify(e.properties), e.owner ?? 'user', e.actor],
    );
    return toEntity(rows[0] as EntityRow);
  }

  async findEntity(id: string, lock = false): Promise<GraphEntity | null> {
    const rows = await this.query<EntityRow>(
      `SELECT ${ENTITY_COLUMNS} FROM graph_entities WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] === undefined ? null : toEntity(rows[0]);
  }

  async findEntities(ids: readonly string[]): Promise<GraphEntity[]> {
    if (ids.length === 0) return [];
    const rows = await this.query<EntityRow>(
      `SELECT ${ENTITY_COLUMNS} FROM graph_entities WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map(toEntity);
  }

  /** Replaces the properties when the version matches; null when it did not. */
  async updateEntity(
    id: string,
    expectedVersion: number,
    properties: Record<string, unknown>,
    actor: string,
  ): Promise<GraphEntity | null> {
    const [rows] = await this.database.manager().query<[EntityRow[], number]>(
      `UPDATE graph_entities SET properties = $3, version = version + 1, updated_by = $4, updated_at = now()
       WHERE id = $1 AND version = $2 RETURNING ${ENTITY_COLUMNS}`,
      [id, expectedVersion, JSON.stringify(properties), actor],
    );
    return rows[0] === undefined ? null : toEntity(rows[0]);
  }

  async deleteEntity(id: string): Promise<void> {
    await this.query('DELETE FROM graph_entities WHERE id = $1', [id]);
  }

  async insertRelationship(r: {
    id: string;
    type: string;
    sourceId: string;
    targetId: string;
    weight: number;
    isDirected: boolean;
    properties: Record<string, unknown>;
    actor: string;
  }): Promise<GraphRelationship> {
    const rows = await this.query<RelationshipRow>(
      `INSERT INTO graph_relationships (id, type, source_id, target_id, weight, is_directed, properties, owner, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'user', $8) RETURNING ${RELATIONSHIP_COLUMNS}`,
      [r.id, r.type, r.sourceId, r.targetId, r.weight, r.isDirected, JSON.stringify(r.properties), r.actor],
    );
    return toRelationship(rows[0] as RelationshipRow);
  }

  async findRelationship(id: string): Promise<GraphRelationship | null> {
    const rows = await this.query<RelationshipRow>(
      `SELECT ${RELATIONSHIP_COLUMNS} FROM graph_relationships WHERE id = $1`,
      [id],
    );
    return rows[0] === undefined ? null : toRelationship(rows[0]);
  }

  async findRelationships(ids: readonly string[]): Promise<GraphRelationship[]> {
    if (ids.length === 0) return [];
    const rows = await this.query<RelationshipRow>(
      `SELECT ${RELATIONSHIP_COLUMNS} FROM graph_relationships WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map(toRelationship);
  }

  async deleteRelationship(id: string): Promise<void> {
    await this.query('DELETE FROM graph_relationships WHERE id = $1', [id]);
  }

  /** Relationships touching an entity; undirected ones count in every direction. */
  async relationshipsOf(id: string, direction: Direction, limit: number): Promise<GraphRelationship[]> {
    const where =
      direction === 'outgoing'
        ? '(source_id = $1 OR (target_id = $1 AND NOT is_directed))'
        : direction === 'incoming'
          ? '(target_id = $1 OR (source_id = $1 AND NOT is_directed))'
          : '(source_id = $1 OR target_id = $1)';
    const rows = await this.query<RelationshipRow>(
      `SELECT ${RELATIONSHIP_COLUMNS} FROM graph_relationships WHERE ${where} ORDER BY created_at, id LIMIT $2`,
      [id, limit],
    );
    return rows.map(toRelationship);
  }

  async insertSchema(
    version: string,
    definition: Record<string, unknown>,
    actor: string,
  ): Promise<SchemaRow> {
    const [major, minor, patch] = version.split('.').map(Number);
    const rows = await this.query<SchemaRow>(
      `INSERT INTO graph_schemas (version, major, minor, patch, definition, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (version) DO NOTHING
       RETURNING version, definition, created_by, created_at`,
      [version, major, minor, patch, JSON.stringify(definition), actor],
    );
    return rows[0] as SchemaRow;
  }

  async listSchemas(): Promise<SchemaRow[]> {
    return this.query<SchemaRow>(
      'SELECT version, definition, created_by, created_at FROM graph_schemas ORDER BY major DESC, minor DESC, patch DESC',
    );
  }

  async findSchema(version: string): Promise<SchemaRow | null> {
    const rows = await this.query<SchemaRow>(
      'SELECT version, definition, created_by, created_at FROM graph_schemas WHERE version = $1',
      [version],
    );
    return rows[0] ?? null;
  }

  async latestSchema(): Promise<SchemaRow | null> {
    const rows = await this.query<SchemaRow>(
      `SELECT version, definition, created_by, created_at FROM graph_schemas
       ORDER BY major DESC, minor DESC, patch DESC LIMIT 1`,
    );
    return rows[0] ?? null;
  }

  /** Serialises schema publication and the writes validated against it. */
  async lockSchema(shared: boolean): Promise<void> {
    await this.query(
      `SELECT ${shared ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(7261947301946623010)`,
    );
  }
}
