/**
 * Portable repo identity: every clone, worktree and remote form of one repository maps to the same
 * id, `host/owner/name` in lower case (`git@github.com:Org/x.git` → `github.com/org/x`), so a memory
 * scoped in one checkout is found from every other. Without a remote the folder name stands in,
 * marked `local/<name>` so it never collides with a hosted repository.
 */

/** Longest id kept; anything longer is not a repository URL a person would type. */
const MAX_ID = 300;

/**
 * Normalises a git remote URL to a repo id, or returns null when the text is not a remote.
 * Understood: scp-like `user@host:path`, `ssh://`, `git+ssh://`, `git://`, `http(s)://` (with or
 * without credentials and ports), Azure DevOps (`dev.azure.com/org/project/_git/repo` and its
 * `ssh.dev.azure.com:v3/org/project/repo` form), and an already normalised `host/owner/name`.
 */
export function repoIdFromRemote(remote: string): string | null {
  const raw = remote.trim();
  if (!raw || raw.length > 2 * MAX_ID || /\s/.test(raw)) return null;
  let host: string;
  let path: string;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(raw);
  if (scheme) {
    const proto = scheme[1]!.toLowerCase();
    if (!['ssh', 'git+ssh', 'ssh+git', 'git', 'http', 'https'].includes(proto)) return null;
    const rest = scheme[2]!;
    const slash = rest.indexOf('/');
    if (slash <= 0) return null;
    host = rest.slice(0, slash);
    path = rest.slice(slash + 1);
  } else {
    // scp-like: [user@]host:path — the colon comes before any slash (else it is a local path).
    const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(raw);
    if (scp) {
      host = scp[1]!;
      path = scp[2]!;
    } else if (/^[a-z0-9.-]+\.[a-z]{2,}(?::\d+)?\/[^/]/i.test(raw)) {
      const slash = raw.indexOf('/');
      host = raw.slice(0, slash);
      path = raw.slice(slash + 1);
    } else {
      return null;
    }
  }
  host = host
    .replace(/^[^@]*@/, '')
    .replace(/:\d+$/, '')
    .toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(host) || (!host.includes('.') && host !== 'localhost')) return null;
  const segments = path
    .replace(/[?#].*$/, '')
    .split('/')
    .filter((s) => s && s !== '.')
    .map((s) => safeDecode(s));
  if (segments.length === 0 || segments.some((s) => s === '..')) return null;
  const last = segments.length - 1;
  segments[last] = segments[last]!.replace(/\.git$/i, '');
  if (!segments[last]) return null;
  const [finalHost, finalPath] = hostAliases(host, segments);
  const id = [finalHost, ...finalPath].join('/').toLowerCase();
  return id.length <= MAX_ID ? id : null;
}

/** The id of a repository with no remote: its folder name, kept apart from hosted ids. */
export function repoIdFromFolder(folderName: string): string {
  const name =
    folderName
      .trim()
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? '';
  return `local/${(name || 'workspace').toLowerCase().slice(0, MAX_ID - 6)}`;
}

/**
 * Picks the id for a checkout: the remote named `origin` when there is one, else the first
 * remote that parses, else the folder name.
 */
export function repoIdFor(remotes: ReadonlyArray<{ name: string; url: string | undefined }>, folderName: string): string {
  const ordered = [...remotes.filter((r) => r.name === 'origin'), ...remotes.filter((r) => r.name !== 'origin')];
  for (const r of ordered) {
    const id = r.url ? repoIdFromRemote(r.url) : null;
    if (id) return id;
  }
  return repoIdFromFolder(folderName);
}

/** A repo id as a caller passed it: normalised when it parses as a remote, else kept as given. */
export function normaliseRepoId(value: string): string {
  const v = value.trim();
  if (/^local\/[^/]+$/i.test(v)) return v.toLowerCase();
  return repoIdFromRemote(v) ?? v.toLowerCase();
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Hosts that serve one repository under several names. */
function hostAliases(host: string, path: string[]): [string, string[]] {
  // GitHub and GitLab answer SSH on ssh.<host> and on port 443 at ssh.github.com / altssh.gitlab.com.
  if (host === 'ssh.github.com' || host === 'www.github.com') return ['github.com', path];
  if (host === 'altssh.gitlab.com' || host === 'www.gitlab.com') return ['gitlab.com', path];
  // Azure DevOps: https://dev.azure.com/org/project/_git/repo, https://org.visualstudio.com/project/_git/repo,
  // ssh.dev.azure.com:v3/org/project/repo all name dev.azure.com/org/project/repo.
  if (host === 'ssh.dev.azure.com' && path[0] === 'v3') return ['dev.azure.com', path.slice(1)];
  if (host === 'dev.azure.com' || host.endsWith('.visualstudio.com')) {
    const org = host === 'dev.azure.com' ? [] : [host.slice(0, -'.visualstudio.com'.length)];
    const withoutGit = [...org, ...path].filter((s) => s !== '_git' && s.toLowerCase() !== 'defaultcollection');
    // Azure's https URLs may start with the org's user name (user@dev.azure.com) and repeat the org.
    return ['dev.azure.com', withoutGit];
  }
  return [host, path];
}
