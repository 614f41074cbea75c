/** Distinct facts (pairwise cosine well under the supersede threshold) for paging tests. */
export const FACTS = [
  'The API gateway listens on port 8080 behind nginx.',
  'Database migrations live in db/migrations and run with make migrate.',
  'The user prefers tabs over spaces and single quotes in TypeScript files.',
  'Release builds are deployed by GitHub Actions when a version tag is pushed.',
  'Feature flags are read from LaunchDarkly at startup and cached for five minutes.',
  'Integration tests need Docker running because they start a Redis container.',
  'The mobile app targets iOS 16 and Android API level 29 as minimums.',
  'Error messages shown to customers must be translated through the i18n catalog.',
  'Logs older than thirty days are archived to cold storage every Sunday night.',
  'Pull requests need two approvals, one of them from a code owner.',
  "The billing service rounds currency amounts with banker's rounding.",
  'Use the staging Stripe account for any manual payment testing.',
  'Avoid lodash in new code; the team standardised on native array methods.',
  'Search indexing runs as a nightly cron job at 02:00 UTC.',
  'The design system components live in packages/ui and use Storybook.',
];
