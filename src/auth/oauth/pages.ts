/** The consent page of the authorization server: who asks, for what, and where it returns. */
import { escapeHtml } from '../../ui/page.js';
import { OAUTH_SCOPES, type OAuthScope } from './scopes.js';

export interface ConsentView {
  clientName: string;
  /** A metadata-document client: the host of its client_id URL, and the name its document claims (unverified). */
  document?: { host: string; claimedName?: string | undefined } | undefined;
  redirectUri: string;
  scopes: OAuthScope[];
  /** Echoed back as hidden fields; re-validated on submit. */
  fields: Record<string, string>;
  formToken: string;
}

export function consentBody(v: ConsentView): string {
  const hidden = Object.entries({ ...v.fields, form_token: v.formToken })
    .map(([k, val]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(val)}">`)
    .join('');
  const scopes = v.scopes.map((s) => `<li><strong>${escapeHtml(s)}</strong> — ${escapeHtml(OAUTH_SCOPES[s].label)}</li>`).join('');
  const host = new URL(v.redirectUri).host || v.redirectUri;
  const d = v.document;
  const who = d
    ? `<p>An application from <strong><code>${escapeHtml(d.host)}</code></strong> wants to use your Kairos memory.</p>${
        d.claimedName
          ? `\n<p class="muted">It calls itself “${escapeHtml(d.claimedName)}”: a name the application claims, which Kairos has not verified.</p>`
          : ''
      }`
    : `<p><strong>${escapeHtml(v.clientName)}</strong> wants to use your Kairos memory.</p>`;
  return `${who}
<p>It asks to:</p><ul class="scopes">${scopes}</ul>
<p class="muted">After you answer, you return to <code>${escapeHtml(host)}</code>. You can disconnect it at any time on the Account page, under MCP clients.</p>
<form method="post" action="/oauth/authorize">${hidden}<div class="row">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="allow" class="primary">Allow</button>
</div></form>`;
}
