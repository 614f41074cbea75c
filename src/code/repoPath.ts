/** Repo-relative paths: the one rule for "inside this checkout" (capture, re-check, file reads). */
import { isAbsolute, relative, sep } from 'node:path';

/** A file's path relative to a root with forward slashes, or undefined when it lies outside (or is the root). */
export function repoRelative(root: string, file: string): string | undefined {
  const rel = relative(root, file);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}
