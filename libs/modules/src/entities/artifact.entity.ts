import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Artifact bytes, kept apart from the version row so listing versions never reads them. */
@Entity({ name: 'module_artifacts' })
export class ArtifactEntity {
  @PrimaryColumn({ type: 'char', length: 64 })
  sha256: string;

  @Column({ type: 'bytea' })
  content: Buffer;

  @Column({ type: 'integer' })
  size: number;
}
