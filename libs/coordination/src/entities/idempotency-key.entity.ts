import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A request made with an `Idempotency-Key`, and once it succeeded, its response. */
@Entity({ name: 'idempotency_key' })
@Index('idx_idempotency_key_expires_at', ['expiresAt'])
export class IdempotencyKeyEntity {
  /** Whose key it is: `user:<id>`, or `ip:<address>` for unauthenticated callers. */
  @PrimaryColumn({ type: 'varchar', length: 300 })
  scope: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  key: string;

  /** sha256 (hex) of method, path and canonical body. */
  @Column({ type: 'char', length: 64 })
  requestHash: string;

  /** `in_flight` while the first request runs, then `completed`. */
  @Column({ type: 'varchar', length: 16 })
  state: string;

  /** Which attempt holds the key: only its commit may complete it. */
  @Column({ type: 'uuid' })
  claimId: string;

  @Column({ type: 'integer', nullable: true })
  responseStatus: number | null;

  @Column({ type: 'jsonb', nullable: true })
  responseBody: unknown;

  @Column({ type: 'jsonb', nullable: true })
  responseHeaders: Record<string, string> | null;

  @Column({ type: 'timestamptz' })
  createdAt: Date;

  /** An in-flight claim older than this is abandoned (its process died) and may be taken over. */
  @Column({ type: 'timestamptz' })
  lockedUntil: Date;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}
