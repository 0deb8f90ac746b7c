import type { Direction } from '../graph.types';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** UUIDs held as 16 bytes each: a million relationship ids cost 16 MB instead of ~90 MB of strings. */
class UuidTable {
  private bytes: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(1, capacity) * 16);
  }

  push(uuid: string): number {
    if ((this.length + 1) * 16 > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    let at = this.length * 16;
    let high = -1;
    for (let i = 0; i < uuid.length; i++) {
      const c = uuid.charCodeAt(i);
      if (c === 45) continue; // '-'
      const nibble = c <= 57 ? c - 48 : (c | 32) - 87;
      if (high < 0) high = nibble;
      else {
        this.bytes[at++] = (high << 4) | nibble;
        high = -1;
      }
    }
    return this.length++;
  }

  get(index: number): string {
    const at = index * 16;
    let hex = '';
    for (let i = 0; i < 16; i++) hex += HEX[this.bytes[at + i] ?? 0] ?? '00';
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}

export interface SnapshotEntityRow {
  readonly id: string;
  readonly type: string;
}

export interface SnapshotRelationshipRow {
  readonly id: string;
  readonly type: string;
  readonly sourceId: string;
  readonly targetId: string;
  readonly weight: number;
  readonly isDirected: boolean;
}

/**
 * An immutable, compact picture of the graph's structure at one write generation: entity ids and
 * types, and the relationships in CSR form (out-edges and in-edges per entity). Traversals and path
 * searches run on it in memory; answers are those of the database state of `generation`.
 */
export class AdjacencySnapshot {
  private constructor(
    readonly generation: number,
    private readonly entityIds: string[],
    private readonly indexById: Map<string, number>,
    private readonly entityType: Uint16Array,
    private readonly typeNames: string[],
    private readonly relIds: UuidTable,
    readonly relSource: Int32Array,
    readonly relTarget: Int32Array,
    readonly relWeight: Float64Array,
    readonly relDirected: Uint8Array,
    private readonly outStart: Int32Array,
    private readonly outRels: Int32Array,
    private readonly inStart: Int32Array,
    private readonly inRels: Int32Array,
  ) {}

  static builder(generation: number, expectedEntities = 1024, expectedRelationships = 1024): SnapshotBuilder {
    return new SnapshotBuilder(generation, expectedEntities, expectedRelationships);
  }

  static of(
    generation: number,
    entities: readonly SnapshotEntityRow[],
    relationships: readonly SnapshotRelationshipRow[],
  ): AdjacencySnapshot {
    const b = AdjacencySnapshot.builder(generation, entities.length, relationships.length);
    for (const e of entities) b.addEntity(e.id, e.type);
    for (const r of relationships) b.addRelationship(r);
    return b.build();
  }

  /** @internal used by the builder */
  static assemble(parts: {
    generation: number;
    entityIds: string[];
    indexById: Map<string, number>;
    entityType: Uint16Array;
    typeNames: string[];
    relIds: UuidTable;
    relSource: Int32Array;
    relTarget: Int32Array;
    relWeight: Float64Array;
    relDirected: Uint8Array;
  }): AdjacencySnapshot {
    const n = parts.indexById.size;
    const m = parts.relSource.length;
    const outStart = new Int32Array(n + 1);
    const inStart = new Int32Array(n + 1);
    for (let r = 0; r < m; r++) {
      const so = (parts.relSource[r] ?? 0) + 1;
      const ti = (parts.relTarget[r] ?? 0) + 1;
      outStart[so] = (outStart[so] ?? 0) + 1;
      inStart[ti] = (inStart[ti] ?? 0) + 1;
    }
    for (let i = 0; i < n; i++) {
      outStart[i + 1] = (outStart[i + 1] ?? 0) + (outStart[i] ?? 0);
      inStart[i + 1] = (inStart[i + 1] ?? 0) + (inStart[i] ?? 0);
    }
    const outRels = new Int32Array(m);
    const inRels = new Int32Array(m);
    const outFill = outStart.slice(0, n);
    const inFill = inStart.slice(0, n);
    for (let r = 0; r < m; r++) {
      const s = parts.relSource[r] ?? 0;
      const t = parts.relTarget[r] ?? 0;
      const o = outFill[s] ?? 0;
      outRels[o] = r;
      outFill[s] = o + 1;
      const i = inFill[t] ?? 0;
      inRels[i] = r;
      inFill[t] = i + 1;
    }
    return new AdjacencySnapshot(
      parts.generation,
      parts.entityIds,
      parts.indexById,
      parts.entityType,
      parts.typeNames,
      parts.relIds,
      parts.relSource,
      parts.relTarget,
      parts.relWeight,
      parts.relDirected,
      outStart,
      outRels,
      inStart,
      inRels,
    );
  }

  get entityCount(): number {
    return this.indexById.size;
  }

  get relationshipCount(): number {
    return this.relSource.length;
  }

  indexOf(id: string): number | undefined {
    return this.indexById.get(id);
  }

  entityId(index: number): string {
    return this.entityIds[index] ?? '';
  }

  entityTypeOf(index: number): string {
    return this.typeNames[this.entityType[index] ?? 0] ?? '';
  }

  relationshipId(rel: number): string {
    return this.relIds.get(rel);
  }

  /**
   * Calls `visit(neighbour, relationship)` for every step out of `node` in `direction`. Directed
   * relationships are followed source→target for `outgoing`, target→source for `incoming`;
   * undirected ones both ways whatever the direction.
   */
  forEachStep(node: number, direction: Direction, visit: (neighbour: number, rel: number) => void): void {
    const outFrom = this.outStart[node] ?? 0;
    const outTo = this.outStart[node + 1] ?? 0;
    for (let i = outFrom; i < outTo; i++) {
      const rel = this.outRels[i] ?? 0;
      if (direction !== 'incoming' || this.relDirected[rel] === 0) visit(this.relTarget[rel] ?? 0, rel);
    }
    const inFrom = this.inStart[node] ?? 0;
    const inTo = this.inStart[node + 1] ?? 0;
    for (let i = inFrom; i < inTo; i++) {
      const rel = this.inRels[i] ?? 0;
      // A self-loop was already offered through the out-edges.
      if (this.relSource[rel] === node) continue;
      if (direction !== 'outgoing' || this.relDirected[rel] === 0) visit(this.relSource[rel] ?? 0, rel);
    }
  }
}

export class SnapshotBuilder {
  private readonly entityIds: string[] = [];
  private readonly indexById = new Map<string, number>();
  private readonly types: number[] = [];
  private readonly typeIndex = new Map<string, number>();
  private readonly typeNames: string[] = [];
  private readonly relIds: UuidTable;
  private readonly source: number[] = [];
  private readonly target: number[] = [];
  private readonly weight: number[] = [];
  private readonly directed: number[] = [];

  constructor(
    private readonly generation: number,
    expectedEntities: number,
    expectedRelationships: number,
  ) {
    void expectedEntities;
    this.relIds = new UuidTable(expectedRelationships);
  }

  addEntity(id: string, type: string): void {
    if (this.indexById.has(id)) return;
    let t = this.typeIndex.get(type);
    if (t === undefined) {
      t = this.typeNames.length;
      this.typeNames.push(type);
      this.typeIndex.set(type, t);
    }
    this.indexById.set(id, this.entityIds.length);
    this.entityIds.push(id);
    this.types.push(t);
  }

  addRelationship(r: SnapshotRelationshipRow): void {
    const s = this.indexById.get(r.sourceId);
    const t = this.indexById.get(r.targetId);
    if (s === undefined || t === undefined) return;
    this.relIds.push(r.id);
    this.source.push(s);
    this.target.push(t);
    this.weight.push(r.weight);
    this.directed.push(r.isDirected ? 1 : 0);
  }

  build(): AdjacencySnapshot {
    return AdjacencySnapshot.assemble({
      generation: this.generation,
      entityIds: this.entityIds,
      indexById: this.indexById,
      entityType: Uint16Array.from(this.types),
      typeNames: this.typeNames,
      relIds: this.relIds,
      relSource: Int32Array.from(this.source),
      relTarget: Int32Array.from(this.target),
      relWeight: Float64Array.from(this.weight),
      relDirected: Uint8Array.from(this.directed),
    });
  }
}
