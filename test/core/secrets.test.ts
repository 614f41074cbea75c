import { describe, expect, it } from 'vitest';
import { describeSecret, findSecret } from '../../src/core/secrets.js';

// Credentials are generated from a seeded generator in each provider's format, so no real or
// scanner-tripping secret is committed and every run checks the same values.
let seed = 20261204;
function rand(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_NUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64 = `${ALNUM}+/`;
const HEX = '0123456789abcdef';
function pick(alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}
const b64url = (n: number): string => pick(`${ALNUM}-_`, n);

/** [kind, text]: realistic memories that carry a credential. */
const SECRETS: Array<[string, string]> = [
  ['OpenAI API key', `The OpenAI key for staging is sk-proj-${b64url(48)}`],
  ['OpenAI API key', `export OPENAI_API_KEY=sk-${pick(ALNUM, 48)}`],
  ['OpenAI API key', `service account: sk-svcacct-${b64url(64)}`],
  ['OpenAI API key', `legacy key sk-${pick(ALNUM, 20)}T3BlbkFJ${pick(ALNUM, 20)} still works`],
  ['Anthropic API key', `ANTHROPIC_API_KEY="sk-ant-api03-${b64url(93)}AA"`],
  ['Anthropic API key', `admin key: sk-ant-admin01-${b64url(80)}`],
  ['GitHub token', `use ghp_${pick(ALNUM, 36)} for the release bot`],
  ['GitHub token', `gho_${pick(ALNUM, 36)}`],
  ['GitHub token', `the app installation token ghs_${pick(ALNUM, 36)} expires hourly`],
  ['GitHub token', `fine-grained: github_pat_${pick(ALNUM, 22)}_${pick(ALNUM, 59)}`],
  ['GitLab token', `CI uses glpat-${b64url(20)} to push tags`],
  ['GitLab token', `deploy token gldt-${b64url(24)}`],
  ['AWS access key id', `aws_access_key_id = AKIA${pick(UPPER_NUM, 16)}`],
  ['AWS access key id', `temporary creds ASIA${pick(UPPER_NUM, 16)} from sts`],
  ['AWS secret access key', `aws_secret_access_key = ${pick(B64, 40)}`],
  ['AWS secret access key', `{"AWS_SECRET_ACCESS_KEY": "${pick(B64, 40)}"}`],
  ['Azure storage key', `DefaultEndpointsProtocol=https;AccountName=kairosdev;AccountKey=${pick(B64, 86)}==;EndpointSuffix=core.windows.net`],
  ['Azure shared access signature', `https://kairosdev.blob.core.windows.net/c/x?sv=2022-11-02&ss=b&sig=${pick(B64, 43)}%3D`],
  ['Azure connection string key', `Endpoint=sb://kairos.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=${pick(B64, 43)}=`],
  ['secret value', `AZURE_OPENAI_API_KEY=${pick(HEX, 32)}`],
  ['Google API key', `maps key AIza${b64url(35)}`],
  ['Google OAuth client secret', `client secret GOCSPX-${b64url(28)}`],
  ['Slack token', `slack bot token xoxb-${pick('0123456789', 12)}-${pick('0123456789', 13)}-${pick(ALNUM, 24)}`],
  ['Slack token', `user token xoxp-${pick('0123456789', 12)}-${pick('0123456789', 12)}-${pick(ALNUM, 32)}`],
  ['Slack webhook URL', `alerts go to https://hooks.slack.com/services/T${pick(UPPER_NUM, 8)}/B${pick(UPPER_NUM, 10)}/${pick(ALNUM, 24)}`],
  ['Stripe key', `STRIPE_SECRET_KEY=sk_live_${pick(ALNUM, 24)}`],
  ['Stripe key', `restricted key rk_test_${pick(ALNUM, 99)}`],
  ['Stripe webhook secret', `webhook signing secret whsec_${pick(ALNUM, 32)}`],
  ['npm token', `//registry.npmjs.org/:_authToken=npm_${pick(ALNUM, 36)}`],
  ['private key', `-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA${pick(B64, 60)}\n-----END RSA PRIVATE KEY-----`],
  ['private key', `deploy key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${pick(B64, 40)}`],
  ['private key', `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEv${pick(B64, 40)}"}`],
  ['JSON Web Token', `Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ${b64url(40)}.${b64url(43)}`],
  ['password in a connection string', `DATABASE_URL=postgres://kairos:${pick(ALNUM, 14)}@db.internal:5432/kairos`],
  ['password in a connection string', `redis connection: rediss://default:${pick(ALNUM, 20)}@cache.example.com:6380`],
  ['password in a connection string', `mongodb+srv://app:${pick(ALNUM, 12)}@cluster0.mongodb.net/prod`],
  ['password in a connection string', `Server=tcp:sql.example.net;Database=app;User Id=app;Password=${pick(ALNUM, 16)};Encrypt=true`],
  ['secret value', `the signing secret is ${pick(ALNUM, 32)}`],
  ['secret value', `client_secret: "${pick(ALNUM, 40)}"`],
  ['secret value', `const apiKey = '${pick(ALNUM, 28)}';`],
  ['secret value', `SESSION_SECRET=${b64url(44)}`],
  ['secret value', `auth token for the staging api: ${pick(ALNUM, 30)}`],
];

/** Texts that look technical and random in places but carry no credential. */
const LOOKALIKES: string[] = [
  `Fixed in commit ${pick(HEX, 40)} (see PR #412).`,
  `git cherry-pick ${pick(HEX, 7)} onto release/2.3`,
  `The request id was ${'3f0c9a2e-7b41-4d0e-9c55-0e8a1f7d2b64'}.`,
  `user ids are UUIDs like 9b2f6c1e-4a7d-4e21-8b3a-5d6e7f809a1b`,
  `contentHash is sha256: ${pick(HEX, 64)}`,
  `The token hash column stores ${pick(HEX, 64)} for each key.`,
  `md5 of the file: ${pick(HEX, 32)}`,
  `![diagram](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA${pick(B64, 200)}=)`,
  `<img src="data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ${pick(B64, 120)}">`,
  'Upgrade to 1.19.0-rc.2; 1.18.4+build.7 had the memory leak.',
  'We pin PGlite to 0.4.x: 0.5 dropped the bundled pgvector.',
  'Node v20.20.2 and npm 11.19.1 on CI; python 3.11.7.',
  'Set OPENAI_API_KEY=${OPENAI_API_KEY} in the workflow, never inline.',
  'api_key: <your-api-key>',
  'password = "changeme" is the template default; CI overwrites it.',
  'export GITHUB_TOKEN=$(gh auth token) before running the script.',
  'The token is read from process.env.KAIROS_TOKEN at start.',
  'Connection string: postgres://user:password@localhost:5432/test (local only).',
  'DATABASE_URL=postgres://kairos:${DB_PASSWORD}@db:5432/kairos',
  'Use redis://127.0.0.1:6379 without a password in tests.',
  'The secret key rotation happens every 90 days via Vault.',
  'Keys start with kairos_sk_ and are shown once.',
  'Remember: tokens are hashed with SHA-256 before they are stored.',
  'sk-learn is not a package; the name is scikit-learn.',
  'The task-runner uses disk-cache-v2 for artefacts.',
  'AKIA-style ids identify AWS access keys; never paste one here.',
  'JWTs have three dot-separated parts: header.payload.signature.',
  'eyJ is what base64 of {" looks like.',
  'The Slack channel is #kairos-dev; alerts use the xoxb bot (token in Vault).',
  'Stripe test mode uses sk_test_ keys; ask finance for access.',
  'docker image sha256:' + pick(HEX, 64),
  `Build ${pick(ALNUM, 12)} failed on step 4/7.`,
  'The shard key is (tenant_id, created_at).',
  'password policy: at least 12 characters, rotated yearly.',
  'Private key blocks must never be committed; use the deploy-key action.',
  'ETag: "W/\\"' + pick(HEX, 40) + '\\""',
  'npm_config_cache points at ~/.npm; npm_lifecycle_event tells the script name.',
  'base64 of "hello world" is aGVsbG8gd29ybGQ=.',
  'The cursor is an opaque string like eyJvIjoyMH0 that callers pass back.',
  'The secret is to run migrations before the deploy, not after.',
];

describe('secret screening', () => {
  it('has at least 40 secrets and 40 look-alikes', () => {
    expect(SECRETS.length).toBeGreaterThanOrEqual(40);
    expect(LOOKALIKES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(SECRETS.map(([kind, text], i) => [i, kind, text] as const))('finds secret %i (%s)', (_i, kind, text) => {
    const found = findSecret(text);
    expect(found, text).not.toBeNull();
    expect(found!.kind).toBe(kind);
  });

  it.each(LOOKALIKES.map((t, i) => [i, t] as const))('lets look-alike %i through', (_i, text) => {
    expect(findSecret(text)).toBeNull();
  });

  it('reports the line and column of the value and never echoes it', () => {
    const token = `ghp_${pick(ALNUM, 36)}`;
    const text = `Release notes\n\nThe bot pushes with  ${token} every night.`;
    const found = findSecret(text)!;
    expect(found).toMatchObject({ kind: 'GitHub token', line: 3, column: 22 });
    expect(text.slice(found.offset, found.offset + token.length)).toBe(token);
    const message = describeSecret('text', found);
    expect(message).toContain('GitHub token at line 3, column 22');
    expect(message).not.toContain(token.slice(4, 12));
  });

  it('reports the first of several secrets', () => {
    const text = `a: sk_live_${pick(ALNUM, 24)} then ghp_${pick(ALNUM, 36)}`;
    expect(findSecret(text)?.kind).toBe('Stripe key');
  });
});
