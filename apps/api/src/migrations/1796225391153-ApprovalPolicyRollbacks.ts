import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Environments' approval policies say whether manual rollbacks pass the gate too (off until set). */
export class ApprovalPolicyRollbacks1796225391153 implements MigrationInterface {
  name = 'ApprovalPolicyRollbacks1796225391153';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "environments" SET "approval_policy" = jsonb_build_object('appliesToRollbacks', false) || "approval_policy" WHERE NOT "approval_policy" ? 'appliesToRollbacks'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "environments" SET "approval_policy" = "approval_policy" - 'appliesToRollbacks'`,
    );
  }
}
