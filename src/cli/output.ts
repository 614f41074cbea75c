/** CLI output: JSON for machines (--json), short readable text for people. Data goes to stdout. */
import type { Memory, MemoryWithHistory, Page, RememberResult } from '../core/memory.js';
import type { ImportSummary, SpaceSearchHit } from '../core/memoryService.js';

export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function printJson(value: unknown): void {
  writeOut(JSON.stringify(value, null, 2));
}

function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

function tagList(tags: string[]): string {
  return tags.length ? `  [${tags.join(', ')}]` : '';
}

export function formatRemember(r: RememberResult): string {
  switch (r.outcome) {
    case 'created':
      return [
        `Remembered ${r.memory.id}`,
        ...(r.similar?.length
          ? [
              'Similar memories (nothing was replaced; to replace one: kairos remember "…" --supersedes <id>):',
              ...r.similar.map((m) => `  ${m.id}  ${m.similarity.toFixed(2)}  ${oneLine(m.text, 80)}`),
            ]
          : []),
      ].join('\n');
    case 'duplicate':
      return `Already remembered as ${r.memory.id} (nothing changed)`;
    case 'superseded':
      return `Updated ${r.memory.id} to version ${r.memory.version} (the old text is kept in its history)`;
  }
}

/** ` [src/a.ts:12, STALE: changed 2026-05-01]` for an anchored memory, else nothing. */
function codeNote(m: Memory): string {
  const a = m.source.anchor;
  if (!a) return '';
  const st = a.status;
  const stale = st?.state === 'stale' ? `, STALE: ${st.reason ?? 'changed'}${st.staleSince ? ` ${st.staleSince.slice(0, 10)}` : ''}` : '';
  return ` [${a.path}:${a.startLine}${stale}]`;
}

export function formatSearch(page: Page<SpaceSearchHit>): string {
  if (page.items.length === 0) return 'No memories match.';
  const lines = page.items.map(
    (h, i) =>
      `${i + 1}. ${oneLine(h.memory.text)}${tagList(h.memory.tags)}${codeNote(h.memory)}\n   ${h.memory.id}  score ${h.score.toFixed(4)}${h.similarity !== undefined ? `  similarity ${h.similarity.toFixed(3)}` : ''}`,
  );
  if (page.nextCursor) lines.push(`More: --cursor ${page.nextCursor}`);
  return lines.join('\n');
}

export function formatList(page: Page<Memory>): string {
  if (page.items.length === 0) return 'No memories yet. Add one with `kairos remember "…"`.';
  const lines = page.items.map((m) => `${m.id}  ${m.updatedAt.slice(0, 10)}  ${oneLine(m.text, 80)}${tagList(m.tags)}${codeNote(m)}`);
  if (page.nextCursor) lines.push(`More: --cursor ${page.nextCursor}`);
  return lines.join('\n');
}

export function formatMemory(m: MemoryWithHistory): string {
  const lines = [
    m.text,
    '',
    `id:       ${m.id}`,
    `space:    ${m.space}`,
    `version:  ${m.version}`,
    `tags:     ${m.tags.join(', ') || '–'}`,
    `source:   ${m.source.kind}${m.source.uri ? ` ${m.source.uri}` : ''}`,
    `created:  ${m.createdAt}`,
    `updated:  ${m.updatedAt}`,
  ];
  const s = m.source;
  const by = [s.actor, s.client && `${s.client}${s.clientVersion ? ` ${s.clientVersion}` : ''}`, s.repo, s.branch, s.commit?.slice(0, 12)].filter(Boolean);
  if (by.length) lines.push(`written:  ${by.join(' · ')}`);
  if (s.scope?.repo || s.scope?.paths) lines.push(`scope:    ${[s.scope.repo, ...(s.scope.paths ?? [])].filter(Boolean).join(' ')}`);
  if (s.anchor) lines.push(`code:    ${codeNote(m)}${s.anchor.commit ? ` captured at ${s.anchor.commit.slice(0, 12)}` : ''}`);
  if (m.history.length) {
    lines.push('', 'history:');
    for (const h of m.history) lines.push(`  v${h.version} (${h.reason}, replaced ${h.replacedAt}): ${oneLine(h.text, 80)}`);
  }
  return lines.join('\n');
}

export function formatImport(s: ImportSummary): string {
  const lines = [`Imported ${s.created}, skipped ${s.duplicate} duplicate${s.duplicate === 1 ? '' : 's'}, ${s.failed} failed.`];
  for (const e of s.errors.slice(0, 10)) lines.push(`  #${e.index}: ${e.message}`);
  if (s.errors.length > 10) lines.push(`  … and ${s.errors.length - 10} more`);
  return lines.join('\n');
}
