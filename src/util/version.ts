/** The package version, read once from package.json (works from src/ and from the dist bundle). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function kairosVersion(): string {
  if (cached) return cached;
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'kairos' && pkg.version) return (cached = pkg.version);
    } catch {
      // Try the next candidate.
    }
  }
  return (cached = '0.0.0');
}
