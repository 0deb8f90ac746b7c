// Type-aware lint at zero warnings, plus the architecture's import rules: libs are reached only
// through `@hotswap/<lib>` (never a deep path), and dependencies point one way:
// contracts ← platform ← features ← apps.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const CONTRACTS = ['contracts'];
const PLATFORM = [
  'config',
  'database',
  'http',
  'observability',
  'events',
  'event-core',
  'auth-core',
  'coordination',
  'audit',
  'testing',
];
const FEATURES = ['auth', 'clusters', 'modules', 'deployments', 'approvals', 'knowledge-graph', 'sdk'];

const deepImports = {
  group: ['@hotswap/*/*', '**/libs/*/src/**', '../../libs/**', '../../../libs/**'],
  message: 'Import a lib only through its public entry point: @hotswap/<lib>.',
};

function forbid(libs, why) {
  return libs.map((lib) => ({ group: [`@hotswap/${lib}`], message: why }));
}

function layerRule(forbidden, why) {
  return ['error', { patterns: [deepImports, ...forbid(forbidden, why)] }];
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '**/*.mjs', '**/*.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read settings through @hotswap/config; process.env is read only there.',
        },
      ],
    },
  },
  {
    files: ['libs/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': layerRule(
        [...PLATFORM, ...FEATURES],
        'contracts is pure TypeScript and depends on no other lib.',
      ),
    },
  },
  ...PLATFORM.map((lib) => ({
    files: [`libs/${lib}/**/*.ts`],
    rules: {
      'no-restricted-imports': layerRule(FEATURES, 'A platform lib must not depend on a feature lib.'),
    },
  })),
  {
    files: [
      'libs/config/src/load-config.ts',
      // The event gateway reads its own few settings without zod or Nest (memory budget, DR-35).
      'apps/gateway/src/main.ts',
      // Test tooling reads its own variables (TEST_DATABASE_URL, CI), never the app's settings.
      'libs/testing/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.ts',
      '**/*.spec.ts',
      '**/*.int-spec.ts',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    // supertest bodies and jest's asymmetric matchers are typed `any`; assertions check them instead.
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
