/**
 * Embedding settings: the personal BYOK embedding key. The key itself is write-only: the form
 * never shows it, the stored key appears only as its hint (provider and last four characters).
 */
import { clear, el, icon } from '../../dom.js';
import type { AccountContext, SectionHandle } from '../context.js';
import { embedderSummary, formatDateTime, keyHint } from '../format.js';
import { embedderBody, needsAzureFields, type EmbedderFields } from '../forms.js';
import { isKeyedProvider, KEYED_PROVIDERS, EMBEDDING_PROVIDER_LABELS } from '../../../src/protocol/embedders.js';
import type { EmbedderKeyView } from '../types.js';
import { actionButton, alertSlot, attempt, busy, button, field, loadingLine, selectField, setInvalid, statusSlot, type Field } from '../ui.js';
import { pageSection } from './nav.js';

const PROVIDER_OPTIONS = KEYED_PROVIDERS.map((p) => ({ value: p, label: EMBEDDING_PROVIDER_LABELS[p] }));
const MODEL_PLACEHOLDER: Record<string, string> = { openai: 'text-embedding-3-small', azure: 'text-embedding-3-small', cohere: 'embed-english-v3.0' };

export function embeddingSection(ctx: AccountContext): SectionHandle {
  const s = pageSection(
    'embedding',
    'settings-gear',
    'Kairos embeds your memories with your own provider key. Without one, saving and searching are refused; reading and exporting still work.',
  );
  let stored: EmbedderKeyView | null = null;

  const current = el('div', { class: 'current', 'aria-live': 'polite' });
  const provider = selectField('Provider', PROVIDER_OPTIONS, 'openai', 'embedder-provider');
  const model = field({
    label: 'Model',
    id: 'embedder-model',
    hint: 'Optional: the provider’s default embedding model is used when empty.',
    spellcheck: false,
    maxLength: 256,
  });
  const endpoint = field({
    label: 'Endpoint',
    id: 'embedder-endpoint',
    type: 'url',
    placeholder: 'https://my-resource.openai.azure.com',
    spellcheck: false,
    maxLength: 2048,
  });
  const endpointHint = el('span', { class: 'hint', id: 'embedder-endpoint-hint' });
  endpoint.input.setAttribute('aria-describedby', endpointHint.id);
  endpoint.wrap.append(endpointHint);
  const deployment = field({
    label: 'Deployment',
    id: 'embedder-deployment',
    hint: 'The deployment name chosen in the Azure portal.',
    spellcheck: false,
    maxLength: 256,
  });
  const apiKey = field({
    label: 'API key',
    id: 'embedder-api-key',
    type: 'password',
    autocomplete: 'new-password',
    spellcheck: false,
    maxLength: 512,
    hint: 'Write-only: Kairos checks it with the provider, stores it encrypted and never shows it again.',
  });
  const alert = alertSlot();
  const status = statusSlot();
  const fields: Record<keyof EmbedderFields, Field | undefined> = { provider: undefined, model, endpoint, deployment, apiKey };

  const syncProvider = (): void => {
    const azure = needsAzureFields(provider.select.value);
    deployment.wrap.hidden = !azure;
    endpoint.input.required = azure;
    deployment.input.required = azure;
    clear(endpointHint);
    endpointHint.append(azure ? 'Required for Azure OpenAI: your resource’s URL.' : 'Optional: only for a compatible API at another address.');
    model.input.placeholder = MODEL_PLACEHOLDER[provider.select.value] ?? '';
  };
  provider.select.addEventListener('change', syncProvider);

  const read = (): EmbedderFields => ({
    provider: provider.select.value,
    model: model.input.value,
    endpoint: endpoint.input.value,
    deployment: deployment.input.value,
    apiKey: apiKey.input.value,
  });

  const markInvalid = (name: string | undefined): void => {
    for (const [k, f] of Object.entries(fields)) if (f) setInvalid(f.input, k === name);
    setInvalid(provider.select, name === 'provider');
    const target = name === 'provider' ? provider.select : fields[name as keyof EmbedderFields]?.input;
    target?.focus();
  };

  /** Validates the form; on failure shows why next to it and returns undefined. */
  const body = (): ReturnType<typeof embedderBody> | undefined => {
    alert.clear();
    status.show(undefined);
    const out = embedderBody(read());
    if (!out.ok) {
      alert.show(out.message);
      markInvalid(out.field);
      return undefined;
    }
    markInvalid(undefined);
    return out;
  };

  const fill = (v: EmbedderKeyView | null): void => {
    if (!v) return;
    if (isKeyedProvider(v.provider)) provider.select.value = v.provider;
    model.input.value = v.model ?? '';
    endpoint.input.value = v.endpoint ?? '';
    deployment.input.value = v.deployment ?? '';
    syncProvider();
  };

  const remove = actionButton({
    label: 'Remove key',
    icon: 'trash',
    kind: 'danger',
    alert,
    run: async () => {
      status.show(undefined);
      stored = (await ctx.api.removeEmbedderKey()).embedderKey;
      renderCurrent();
      status.show('Key removed. Saving and searching need a key again.');
    },
  });

  const renderCurrent = (): void => {
    clear(current);
    remove.hidden = !stored;
    if (!stored) {
      current.append(icon('warning'), el('span', {}, 'No embedding key stored.'));
      current.className = 'current none';
      return;
    }
    current.className = 'current';
    current.append(
      icon('key'),
      el(
        'div',
        { class: 'current-text' },
        el('div', {}, 'Stored key: ', el('strong', { class: 'mono' }, keyHint(stored))),
        el(
          'div',
          { class: 'muted small' },
          embedderSummary(stored),
          ' · ',
          stored.verifiedAt ? `verified ${formatDateTime(stored.verifiedAt)}` : `saved ${formatDateTime(stored.updatedAt)}`,
        ),
      ),
    );
  };

  const test = button({
    label: 'Test key',
    icon: 'beaker',
    onClick: (e) => {
      const checked = body();
      if (!checked?.ok) return;
      void busy(e.currentTarget as HTMLButtonElement, () =>
        attempt(alert, async () => {
          const out = await ctx.api.testEmbedderKey(checked.value);
          status.show(`Key works (${out.dimension} dimensions)`);
        }),
      );
    },
  });
  const save = button({ label: 'Save', icon: 'save', kind: 'primary', type: 'submit' });

  const form = el(
    'form',
    { class: 'form', 'aria-labelledby': 'embedding-title', novalidate: '' },
    el('div', { class: 'grid' }, provider.wrap, model.wrap, endpoint.wrap, deployment.wrap),
    apiKey.wrap,
    el('div', { class: 'actions' }, test, save, remove),
    alert.node,
    status.node,
  ) as HTMLFormElement;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const checked = body();
    if (!checked?.ok) return;
    void busy(save, () =>
      attempt(alert, async () => {
        stored = (await ctx.api.saveEmbedderKey(checked.value)).embedderKey;
        apiKey.input.value = '';
        renderCurrent();
        fill(stored);
        status.show(stored ? `Saved. Kairos now embeds with ${keyHint(stored)}.` : 'Saved.');
      }),
    );
  });

  s.body.append(current, form);
  syncProvider();
  remove.hidden = true;
  current.append(loadingLine());

  return {
    root: s.root,
    load: () =>
      attempt(alert, async () => {
        stored = (await ctx.api.embedderKey()).embedderKey;
        renderCurrent();
        fill(stored);
      }),
  };
}
