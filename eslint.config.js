import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const FOLDERS = [
  'protocol',
  'runtime',
  'i18n',
  'influx',
  'broker',
  'ingest',
  'coverage',
  'devices',
  'dashboards',
  'simulator',
  'cli',
];

/**
 * Another folder only through its index.ts, or its defaults.ts: plain values importing nothing, which the
 * command line reads to validate its configuration without loading the folder.
 */
const throughIndex = {
  regex: `^\\.\\./(?:\\.\\./)*(${FOLDERS.join('|')})/(?!(?:index|defaults)\\.js$).+`,
  message: 'Import another folder only through its index.ts or defaults.ts (docs/architecture.md#folders).',
};

/**
 * Which folders each folder's code may import: the floors of docs/architecture.md#folders. simulator/,
 * cli/ and bench/ sit on top and may import any folder; tests may also import test helpers and the
 * folders they set up around the code under test.
 */
const LAYERS = {
  protocol: [],
  runtime: [],
  // What Loa says to people: every folder that writes for them may import it, and it imports none.
  i18n: [],
  influx: ['protocol', 'runtime'],
  broker: ['protocol', 'runtime'],
  ingest: ['protocol', 'runtime', 'influx'],
  coverage: ['protocol', 'runtime', 'influx', 'i18n'],
  devices: ['protocol', 'runtime'],
  dashboards: ['protocol', 'runtime', 'influx', 'i18n'],
};

const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => {
  const forbidden = [...FOLDERS, 'test', 'bench', 'scripts'].filter(
    (f) => f !== folder && !allowed.includes(f),
  );
  return {
    files: [`${folder}/**/*.ts`],
    ignores: [`${folder}/**/*.test.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            throughIndex,
            {
              regex: `^\\.\\./(?:\\.\\./)*(${forbidden.join('|')})/`,
              message: `${folder}/ may import ${allowed.length === 0 ? 'no other folder' : allowed.join(', ') + ' only'} (docs/architecture.md#folders).`,
            },
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-coverage/', 'dashboards/provisioning/', '.loa/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [throughIndex] }],
    },
  },
  ...layerRules,
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
