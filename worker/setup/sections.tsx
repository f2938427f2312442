// The setup page's sections, in the order of the seed's steps (docs/seed.md, steps 1-8).
import { SETTINGS } from '../settings/fields.ts';
import { ShopPlatformSection } from './shop-platforms.tsx';
import { problemText, type Lang, type Messages } from './i18n.ts';
import type { CallbackSeen } from '../consent/activity.ts';
import type { ConnectionTest } from './checks.ts';
import type { DeliveryFigures } from './figures.ts';
import type { SetupView } from './view.ts';
import { SETTINGS_FORM, SaveButtons, SettingRows } from './settings-form.tsx';
import { HourlyChart, PageNav } from './events-pages.tsx';

import { formatTime, SETUP_PATH } from './format.ts';
import { CatalogSection } from './catalog.tsx';
import { FieldName, fieldLabel, fieldLabels } from './labels.tsx';
import type { SettingSection } from '../settings/fields.ts';
import type { Child } from 'hono/jsx';

export { SETUP_PATH };
export type { SetupView };

function Badge(props: { kind: 'ok' | 'bad' | 'off'; text: string }) {
  return <span class={`badge ${props.kind}`}>{props.text}</span>;
}

function Heading(props: { n: number; title: string; seed: string; t: Messages; ok?: boolean }) {
  return (
    <h2>
      <span class="num">{props.n}</span>
      {props.title}
      <span class="seed">{props.t.stepsOfSeed(props.seed)}</span>
      {props.ok === undefined ? null : <Badge kind={props.ok ? 'ok' : 'bad'} text={props.ok ? props.t.ok : props.t.failed} />}
    </h2>
  );
}

function action(view: SetupView, path: string): string {
  return `${SETUP_PATH}/${path}?lang=${view.lang}`;
}

/** A copy button for the text of the element with this id (the page's one nonce'd script). */
function CopyButton({ target, t }: { target: string; t: Messages }) {
  return (
    <button type="button" class="copy-btn" data-copy={target} data-done={t.copied}>
      {t.copy}
    </button>
  );
}

function connectionMessage(t: Messages, lang: Lang, result: ConnectionTest): string {
  if (result.ok) return t.connectionOk(result.owner, result.ownerIsContact);
  switch (result.reason) {
    case 'not-configured':
      return `${t.connNotConfigured} ${(result.problems ?? []).map((p) => `${fieldLabel(lang, p.name)}: ${problemText(lang, p.problem)}`).join('; ')}`;
    case 'auth':
      return t.connAuth;
    case 'owner':
      return t.connOwner;
    case 'unreachable':
      return t.connUnreachable;
    case 'not-api':
      return t.connNotApi;
    case 'busy':
      return t.connBusy;
    default:
      return t.connRefused;
  }
}

function ConnectionSection({ view }: { view: SetupView }) {
  const { t, config, lang } = view;
  const others = config.problems.filter((p) => !p.name.startsWith('SALESMANAGO_') && !SETTINGS_NAMES.has(p.name));
  const result = view.connection;
  return (
    <section id="connection">
      <Heading n={1} title={t.connectionTitle} seed="1–3" t={t} ok={config.salesmanago !== null && result?.ok !== false && !refusedIn(view, 'salesmanago')} />
      <p class="intro">{t.connectionIntro}</p>
      <SettingRows view={settingsView(view)} section="salesmanago" />
      {others.length > 0 ? (
        <div id="other-problems">
          <p>
            <b>{t.otherProblems}</b>
          </p>
          <ul>
            {others.map((p) => (
              <li>
                <FieldName lang={lang} name={p.name} />: {problemText(lang, p.problem)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <SaveButtons t={t} test />
      <form method="post" action={action(view, 'test-connection')}>
        <button id="test-connection" type="submit" class="secondary">
          {t.testConnection}
        </button>
      </form>
      {result ? (
        <div id="test-connection-result" class="result" data-ok={String(result.ok)} data-reason={result.ok ? 'ok' : (result.reason ?? 'refused')}>
          {result.ok ? connectionMessage(t, lang, result) : `${t.connectionFailed} ${connectionMessage(t, lang, result)}`}
          {!result.ok && result.reason !== 'not-configured' ? (
            <div class="answer">
              {t.connAnswer} <code>{result.error}</code>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function settingsView(view: SetupView) {
  return {
    lang: view.lang,
    t: view.t,
    env: view.env as unknown as Record<string, unknown>,
    problems: view.config.problems,
    settings: view.settings,
    ...(view.posted ? { posted: view.posted } : {}),
    ...(view.formErrors ? { formErrors: view.formErrors } : {}),
  };
}

const SETTINGS_NAMES = new Set(SETTINGS.map((f) => f.name as string));

/** Whether the refused save named a field of this section (its badge then never says OK). */
function refusedIn(view: SetupView, section: SettingSection): boolean {
  return (view.formErrors ?? []).some((p) => SETTINGS.some((f) => f.name === p.name && f.section === section));
}

/** Where each section of the settings table is on the page (its element id). */
const SECTION_IDS: Record<SettingSection, string> = {
  salesmanago: 'connection',
  secrets: 'secrets',
  tags: 'tags',
  shop: 'snippet',
  consent: 'consent-settings',
  platform: 'shop-platform',
};

/** The settings form (its inputs live in the sections, form="settings"), the save's outcome, "last changed". */
function SettingsStatus({ view }: { view: SetupView }) {
  const { t, lang, settings, saved } = view;
  const last = settings.lastChange;
  return (
    <div id="settings-status">
      <form id={SETTINGS_FORM} method="post" action={action(view, 'settings')} />
      {view.formErrors?.length ? (
        <div id="settings-result" class="result" data-ok="false">
          {t.settingsRefused}
          <ul>
            {view.formErrors.map((p) => (
              <li data-name={p.name}>
                <FieldName lang={lang} name={p.name} />: {problemText(lang, p.problem)}
              </li>
            ))}
          </ul>
        </div>
      ) : saved ? (
        <div id="settings-result" class="result" data-ok="true">
          {saved.changed.length ? t.settingsSaved(fieldLabels(lang, saved.changed)) : t.settingsNothing}
          {saved.released > 0 ? <div id="released">{t.settingsReleased(saved.released)}</div> : null}
          {saved.generated.map((g) => (
            <div class="generated">
              {t.generatedOnce} <FieldName lang={lang} name={g.name} />
              <code class="copy" id={`generated-${g.name}`}>
                {g.value}
              </code>
              <CopyButton target={`generated-${g.name}`} t={t} />
            </div>
          ))}
        </div>
      ) : null}
      {settings.error ? (
        <p class="warn">
          {t.settingsUnreadable} {settings.error}
        </p>
      ) : null}
      {last ? (
        <p id="last-changed" class="muted">
          {t.settingsLastChanged(formatTime(last.at), fieldLabels(lang, last.fields, 5))}
        </p>
      ) : null}
    </div>
  );
}

function SecretsSection({ view }: { view: SetupView }) {
  const { t } = view;
  return (
    <section id="secrets">
      <Heading
        n={2}
        title={t.secretsTitle}
        seed="4"
        t={t}
        ok={view.config.callbackSecret !== null && view.config.shopApiSecret !== null && !refusedIn(view, 'secrets')}
      />
      <p class="intro">{t.secretsIntro}</p>
      <SettingRows view={settingsView(view)} section="secrets" />
      <SaveButtons t={t} />
    </section>
  );
}

function ConsentSection({ view }: { view: SetupView }) {
  const { t, config } = view;
  return (
    <section id="consent-settings">
      <Heading n={7} title={t.consentTitle} seed="7" t={t} />
      <p class="intro">{t.consentIntro}</p>
      <SettingRows view={settingsView(view)} section="consent" />
      <p id="browser-signups" class="intro">
        {t.browserSignups(config.doubleOptIn.enabled, config.browserSignupOptIn)}
      </p>
      <SaveButtons t={t} />
    </section>
  );
}

function callbackTemplates(origin: string, secret: string): { optIn: string; optOut: string } {
  const template = (kind: string) => `${origin}/callbacks/${kind}?email=$email$&key=sha1($email$${secret})`;
  return { optIn: template('opt-in'), optOut: template('opt-out') };
}

function CallbackUrlsSection({ view }: { view: SetupView }) {
  const { t, config } = view;
  const secret = config.callbackSecret;
  const urls = secret ? callbackTemplates(view.origin, secret) : null;
  return (
    <section id="callback-urls">
      <Heading n={3} title={t.callbacksTitle} seed="4, 6" t={t} ok={urls !== null} />
      <p class="intro">{t.callbacksIntro}</p>
      {urls && secret ? (
        <>
          <label class="field" for="opt-in-url">
            {t.optInUrl}
          </label>
          <code class="copy" id="opt-in-url">
            {urls.optIn}
          </code>
          <CopyButton target="opt-in-url" t={t} />
          <label class="field" for="opt-out-url">
            {t.optOutUrl}
          </label>
          <code class="copy" id="opt-out-url">
            {urls.optOut}
          </code>
          <CopyButton target="opt-out-url" t={t} />
          {/^[A-Za-z0-9_-]+$/.test(secret) ? null : <p class="warn">{t.secretCharsWarning}</p>}
          <p class="muted">{t.secretNote}</p>
        </>
      ) : (
        <p class="warn">{t.callbacksNoSecret}</p>
      )}
    </section>
  );
}

function TestCallbacksSection({ view }: { view: SetupView }) {
  const { t } = view;
  const result = view.callbackTest;
  return (
    <section id="test-callbacks-section">
      <Heading n={4} title={t.testCallbacksTitle} seed="5" t={t} ok={result ? result.ok : undefined} />
      <p class="intro">{t.testCallbacksIntro(result?.email ?? 'sm-edge-test@example.com')}</p>
      <form method="post" action={action(view, 'test-callbacks')}>
        <button id="test-callbacks" type="submit">
          {t.testCallbacks}
        </button>
      </form>
      {result ? (
        <div id="test-callbacks-result" class="result" data-ok={String(result.ok)}>
          {result.ok ? t.callbacksOk : `${t.callbacksFailed} ${result.reason === 'no-secret' ? t.callbacksNoSecretShort : (result.error ?? '')}`}
          <ul>
            {result.steps.map((s) => (
              <li data-kind={s.kind} data-ok={String(s.ok)}>
                <code>{s.url}</code> → HTTP {s.httpStatus} <code>{s.answer}</code>, {t.stepStored}: <b>{s.stored}</b>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}

function TagsSection({ view }: { view: SetupView }) {
  const { t } = view;
  return (
    <section id="tags">
      <Heading n={5} title={t.tagsTitle} seed="7" t={t} />
      <p class="intro">{t.tagsIntro}</p>
      <SettingRows view={settingsView(view)} section="tags" />
      <SaveButtons t={t} />
    </section>
  );
}

function snippet(origin: string, consent: 'required' | 'none' = 'none'): string {
  const mode = consent === 'required' ? ' data-consent="required"' : '';
  return (
    `<script async src="${origin}/s.js" data-cart-path="/koszyk"${mode}></script>\n` +
    `<script>window.smEdge=window.smEdge||function(){(smEdge.q=smEdge.q||[]).push(arguments)}</script>`
  );
}

function SnippetSection({ view }: { view: SetupView }) {
  const { t, config } = view;
  return (
    <section id="snippet">
      <Heading n={6} title={t.snippetTitle} seed="7–8" t={t} ok={config.shopDomains.length > 0} />
      <p class="intro">{t.snippetIntro}</p>
      <p>{t.snippetFromWorker}</p>
      <pre class="copy" id="snippet-code">
        {snippet(view.origin, config.snippetConsent)}
      </pre>
      <CopyButton target="snippet-code" t={t} />
      <p>{t.snippetFirstParty(config.publicPathPrefix || '/_e', Boolean(config.publicPathPrefix))}</p>
      <pre class="copy" id="snippet-first-party">
        {snippet(config.publicPathPrefix || '/_e', config.snippetConsent)}
      </pre>
      <CopyButton target="snippet-first-party" t={t} />
      <p id="snippet-consent-note" class="muted">
        {config.snippetConsent === 'required' ? t.snippetConsentNote : t.snippetConsentOff}
      </p>
      <p>{t.snippetVariants}</p>
      <ul id="snippet-variants">
        <li>
          <code>s.js</code>: {t.snippetVariantDefault}
        </li>
        <li>
          <code>s.full.js</code>: {t.snippetVariantFull}
        </li>
        <li>
          <code>data-sm-monitoring</code>: {t.snippetVariantMonitoring}
        </li>
      </ul>
      <SettingRows view={settingsView(view)} section="shop" />
      <p>
        <b>{t.domains}</b>
      </p>
      {config.shopDomains.length ? (
        <ul id="domains">
          {config.shopDomains.map((d) => (
            <li>
              <code>{d}</code>
            </li>
          ))}
        </ul>
      ) : (
        <p class="warn">{t.noDomains}</p>
      )}
      <SaveButtons t={t} />
    </section>
  );
}

function Seen(props: { seen: CallbackSeen | null; t: Messages }) {
  if (!props.seen) return <span class="muted">{props.t.never}</span>;
  return (
    <span>
      {formatTime(props.seen.at)} · <code>{props.seen.kind}</code> · {props.seen.outcome}
    </span>
  );
}

function DeliverySection({ view }: { view: SetupView }) {
  const { t, figures, config } = view;
  const cards = (f: DeliveryFigures) => [
    { id: 'accepted', label: t.accepted, n: f.accepted },
    { id: 'delivered', label: t.delivered, n: f.byStatus.delivered },
    { id: 'queued', label: t.queued, n: f.byStatus.queued },
    { id: 'held', label: t.held, n: f.byStatus.held },
    { id: 'failed', label: t.failedStatus, n: f.byStatus.failed },
    { id: 'dead', label: t.dead, n: f.byStatus.dead },
    { id: 'expired', label: t.expired, n: f.byStatus.expired },
  ];
  return (
    <section id="delivery">
      <Heading n={8} title={t.deliveryTitle} seed="8" t={t} />
      {view.hourly ? <HourlyChart t={t} figures={view.hourly} /> : null}
      <p>
        <a href={`${SETUP_PATH}/events?lang=${view.lang}`}>{t.navEvents} →</a>
      </p>
      {'error' in figures ? (
        <p class="warn">
          {t.figuresUnavailable} {figures.error}
        </p>
      ) : (
        <>
          <div class="figures">
            {cards(figures).map((c) => (
              <div class="figure" id={`figure-${c.id}`}>
                <b>{c.n}</b>
                <span>{c.label}</span>
              </div>
            ))}
          </div>
          <p>
            <b>{t.lastErrors}</b>
          </p>
          {figures.lastErrors.length ? (
            <div class="scroll">
              <table id="last-errors">
                <tbody>
                  {figures.lastErrors.map((e) => (
                    <tr>
                      <td>{formatTime(e.at)}</td>
                      <td>
                        <code>{e.type}</code> <Badge kind="bad" text={e.status} />
                      </td>
                      <td>{e.error}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p class="muted">{t.noErrors}</p>
          )}
          {/* "No errors" above must not hide the requests the worker refused (they never became events). */}
          {figures.refused > 0 && (
            <p id="refused-count" class="warn">
              <a href={`${SETUP_PATH}/events?lang=${view.lang}#refused`}>{t.refusedCount(figures.refused)}</a>
            </p>
          )}
          {figures.conflicts.length > 0 && (
            <>
              <p class="warn">
                <b>{t.orderConflicts}</b>
              </p>
              <div class="scroll">
                <table id="order-conflicts">
                  <tbody>
                    {figures.conflicts.map((x) => (
                      <tr>
                        <td>{formatTime(x.at)}</td>
                        <td>
                          <code>{x.id}</code>
                        </td>
                        <td class="conflict-fields">{x.fields.map((f) => `${f} (${x.counts[f] ?? 1}×)`).join(', ')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}
      <dl>
        <dt>{t.lastCallback}</dt>
        <dd id="last-callback">
          <Seen seen={view.activity.accepted} t={t} />
        </dd>
        <dt>{t.lastRefused}</dt>
        <dd id="last-refused-callback">
          <Seen seen={view.activity.refused} t={t} />
        </dd>
        <dt>{t.webhook}</dt>
        <dd>{config.shopWebhookUrl ? <code>{config.shopWebhookUrl}</code> : <Badge kind="off" text={t.off} />}</dd>
      </dl>
    </section>
  );
}

/** What the action just done (a save, a refused save, a test) came to, for the banner at the top. */
interface Outcome {
  action: string;
  ok: boolean;
  href: string;
  text: string;
  detail?: string;
}

function outcomeOf(view: SetupView): Outcome | null {
  const { t, lang } = view;
  if (view.formErrors?.length) {
    const names = [...new Set(view.formErrors.map((p) => p.name))];
    const field = SETTINGS.find((f) => f.name === names[0]);
    return {
      action: 'refused',
      ok: false,
      href: `#${field ? SECTION_IDS[field.section] : 'settings-result'}`,
      text: t.bannerRefused(fieldLabels(lang, names)),
    };
  }
  const catalog = view.catalog?.result;
  if (catalog) return { action: 'catalog', ok: catalog.ok, href: '#catalog-result', text: catalog.text };
  const cb = view.callbackTest;
  if (cb) {
    return {
      action: 'test-callbacks',
      ok: cb.ok,
      href: '#test-callbacks-result',
      text: cb.ok ? t.callbacksOk : `${t.callbacksFailed} ${cb.reason === 'no-secret' ? t.callbacksNoSecretShort : (cb.error ?? t.callbacksSeeSteps)}`,
    };
  }
  const saved = view.saved ? `${view.saved.changed.length ? t.settingsSaved(fieldLabels(lang, view.saved.changed)) : t.settingsNothing} ` : '';
  const conn = view.connection;
  if (conn) {
    return {
      action: view.saved ? 'save-test' : 'test-connection',
      ok: conn.ok,
      href: '#test-connection-result',
      text: conn.ok ? `${saved}${connectionMessage(t, lang, conn)}` : `${saved}${t.connectionBanner}`,
      ...(conn.ok ? {} : { detail: connectionMessage(t, lang, conn) }),
    };
  }
  if (view.saved) return { action: 'save', ok: true, href: '#settings-result', text: saved.trim() };
  return null;
}

/** A collapsible part of the page; its open/closed state is remembered in the browser (layout.tsx's script). */
function Fold(props: { id: string; title: string; n?: number; badge?: { kind: 'ok' | 'bad' | 'off'; text: string } | null; open?: boolean; children: Child }) {
  return (
    <details class="fold" id={`fold-${props.id}`} data-fold={props.id} open={props.open ?? false} data-force={props.open ? 'open' : undefined}>
      <summary>
        {props.n ? <span class="num">{props.n}</span> : null}
        <span class="fold-title">{props.title}</span>
        {props.badge ? <Badge kind={props.badge.kind} text={props.badge.text} /> : null}
      </summary>
      {props.children}
    </details>
  );
}

export function SetupPage({ view }: { view: SetupView }) {
  const { t, config, lang } = view;
  const toFix = config.problems.length;
  const outcome = outcomeOf(view);
  // A section's problems (as saved, or as just refused) open it and mark it.
  const badge = (section: SettingSection) => {
    const names = new Set(SETTINGS.filter((f) => f.section === section).map((f) => f.name as string));
    return refusedIn(view, section) || config.problems.some((p) => names.has(p.name)) ? { kind: 'bad' as const, text: t.failed } : null;
  };
  const open = (section: SettingSection) => refusedIn(view, section);
  return (
    <>
      <PageNav t={t} lang={view.lang} current="setup" />
      {/* The result of what was just done comes first, linking to its section: never only two screens down. */}
      {outcome ? (
        <div id="action-result" class={`banner ${outcome.ok ? 'ok' : 'bad'}`} data-action={outcome.action} data-ok={String(outcome.ok)}>
          <a href={outcome.href}>{outcome.text}</a>
          {outcome.detail ? <div class="detail">{outcome.detail}</div> : null}
        </div>
      ) : null}
      {/* Never a green "Done!" next to a refused save or a failed test. */}
      {outcome && !outcome.ok ? null : (
        <p id="overall" class={`banner ${toFix === 0 ? 'ok' : 'bad'}`}>
          {toFix === 0 ? t.allSet : t.toFix(toFix)}
        </p>
      )}
      <SettingsStatus view={view} />
      <ConnectionSection view={view} />
      <SecretsSection view={view} />
      <CallbackUrlsSection view={view} />
      <TestCallbacksSection view={view} />
      <p class="muted small" id="folds-note">
        {t.foldsNote}
      </p>
      <Fold id="tags" n={5} title={t.tagsTitle} badge={badge('tags')} open={open('tags')}>
        <TagsSection view={view} />
      </Fold>
      <Fold
        id="snippet"
        n={6}
        title={t.snippetTitle}
        badge={badge('shop') ?? (config.shopDomains.length ? null : { kind: 'bad', text: t.failed })}
        open={open('shop')}
      >
        <SnippetSection view={view} />
      </Fold>
      <Fold id="consent-settings" n={7} title={t.consentTitle} badge={badge('consent')} open={open('consent')}>
        <ConsentSection view={view} />
      </Fold>
      <Fold id="delivery" n={8} title={t.deliveryTitle}>
        <DeliverySection view={view} />
      </Fold>
      {view.catalog ? (
        <Fold id="catalog" title={t.catalogFold} open={Boolean(view.catalog.result)}>
          <CatalogSection
            lang={lang}
            catalog={view.catalog}
            catalogId={config.catalog.catalogId}
            location={config.location}
            action={(path) => action(view, path)}
          />
        </Fold>
      ) : null}
      <Fold id="shop-platform" title={t.platformFold} badge={badge('platform')} open={open('platform')}>
        <ShopPlatformSection view={view}>
          <SettingRows view={settingsView(view)} section="platform" />
          <SaveButtons t={view.t} />
        </ShopPlatformSection>
      </Fold>
    </>
  );
}

export function LockedPage({ t }: { t: Messages }) {
  return (
    <section id="locked">
      <h2>{t.lockedTitle}</h2>
      <p>{t.lockedBody}</p>
      <pre class="copy">npx wrangler secret put ADMIN_PASSWORD</pre>
      <p class="muted">{t.lockedLocal}</p>
    </section>
  );
}
