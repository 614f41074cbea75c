import { describe, expect, it } from 'vitest';
import { normaliseRepoId, repoIdFor, repoIdFromFolder, repoIdFromRemote } from '../../src/core/repoId.js';

describe('repo id', () => {
  const same: Array<[string, string]> = [
    ['git@github.com:Org/x.git', 'github.com/org/x'],
    ['git@github.com:org/x', 'github.com/org/x'],
    ['ssh://git@github.com/org/x', 'github.com/org/x'],
    ['ssh://git@github.com/org/x.git', 'github.com/org/x'],
    ['ssh://git@ssh.github.com:443/org/x.git', 'github.com/org/x'],
    ['git+ssh://git@github.com/Org/X.git', 'github.com/org/x'],
    ['git://github.com/org/x.git', 'github.com/org/x'],
    ['https://github.com/org/x', 'github.com/org/x'],
    ['https://github.com/org/x.git', 'github.com/org/x'],
    ['https://github.com/org/x/', 'github.com/org/x'],
    ['https://www.github.com/org/x', 'github.com/org/x'],
    ['HTTPS://GitHub.com/Org/X.GIT', 'github.com/org/x'],
    ['https://user:ghp_notreal@github.com/org/x.git', 'github.com/org/x'],
    ['https://oauth2:token@gitlab.com/group/sub/proj.git', 'gitlab.com/group/sub/proj'],
    ['git@gitlab.com:group/sub/proj.git', 'gitlab.com/group/sub/proj'],
    ['ssh://git@altssh.gitlab.com:443/group/sub/proj.git', 'gitlab.com/group/sub/proj'],
    ['http://git.example.com:8080/team/tool.git', 'git.example.com/team/tool'],
    ['ssh://git@git.example.com:2222/team/tool.git', 'git.example.com/team/tool'],
    ['git@bitbucket.org:team/repo.git', 'bitbucket.org/team/repo'],
    ['https://bitbucket.org/team/repo.git?foo=bar#frag', 'bitbucket.org/team/repo'],
    ['https://dev.azure.com/contoso/web/_git/shop', 'dev.azure.com/contoso/web/shop'],
    ['https://contoso@dev.azure.com/contoso/web/_git/shop', 'dev.azure.com/contoso/web/shop'],
    ['git@ssh.dev.azure.com:v3/contoso/web/shop', 'dev.azure.com/contoso/web/shop'],
    ['https://contoso.visualstudio.com/web/_git/shop', 'dev.azure.com/contoso/web/shop'],
    ['https://contoso.visualstudio.com/DefaultCollection/web/_git/shop', 'dev.azure.com/contoso/web/shop'],
    ['https://github.com/org/my%20repo.git', 'github.com/org/my repo'],
    ['github.com/Org/X', 'github.com/org/x'],
    ['  git@github.com:org/x.git\n', 'github.com/org/x'],
  ];
  it.each(same)('%s → %s', (remote, id) => {
    expect(repoIdFromRemote(remote)).toBe(id);
  });

  it('gives every remote form of one repository the same id', () => {
    const ids = new Set(same.filter(([, id]) => id === 'github.com/org/x').map(([r]) => repoIdFromRemote(r)));
    expect(ids).toEqual(new Set(['github.com/org/x']));
  });

  const notRemotes = [
    '',
    '   ',
    '/srv/git/x.git',
    '../x',
    'file:///srv/git/x.git',
    'C:\\repos\\x',
    'ftp://host.com/x',
    'https://github.com',
    'git@github.com:',
    'https://github.com/../etc',
    'not a url at all',
    'javascript:alert(1)',
    'https://' + 'a'.repeat(700) + '.com/x',
  ];
  it.each(notRemotes)('refuses %j', (remote) => {
    expect(repoIdFromRemote(remote)).toBeNull();
  });

  it('falls back to the folder name without a remote, and prefers origin', () => {
    expect(repoIdFromFolder('/home/ada/Work/My-Tool/')).toBe('local/my-tool');
    expect(repoIdFromFolder('C:\\src\\Tool')).toBe('local/tool');
    expect(repoIdFor([], '/w/tool')).toBe('local/tool');
    expect(
      repoIdFor(
        [
          { name: 'upstream', url: 'git@github.com:up/x.git' },
          { name: 'origin', url: 'https://github.com/me/x' },
        ],
        '/w/x',
      ),
    ).toBe('github.com/me/x');
    expect(
      repoIdFor(
        [
          { name: 'origin', url: '/srv/x.git' },
          { name: 'mirror', url: 'git@gitlab.com:me/x.git' },
        ],
        '/w/x',
      ),
    ).toBe('gitlab.com/me/x');
    expect(repoIdFor([{ name: 'origin', url: undefined }], '/w/x')).toBe('local/x');
  });

  it('normalises what callers pass, keeping ids it cannot parse', () => {
    expect(normaliseRepoId('git@github.com:Org/X.git')).toBe('github.com/org/x');
    expect(normaliseRepoId('github.com/org/x')).toBe('github.com/org/x');
    expect(normaliseRepoId('Local/Tool')).toBe('local/tool');
    expect(normaliseRepoId('my-monorepo')).toBe('my-monorepo');
  });
});
