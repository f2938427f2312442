// /setup's product catalog section (docs/catalog.md): the account's catalogs (API v3 catalogList),
// which one is linked, a location that disagrees with the events', creating one when there is none,
// and what became of the products (sent, waiting, refused with SALESmanago's reasonCode).
import type { CatalogList } from '../catalog/catalogs.ts';
import type { CatalogFigures } from '../ledger/catalog-products.ts';
import type { Lang } from './i18n.ts';

export interface CatalogView {
  list: CatalogList | null;
  figures: CatalogFigures | null;
  currency: string;
  /** After a create or link: what happened. */
  result?: { ok: boolean; text: string };
  /** SALESMANAGO_CATALOG_ID set in wrangler: the page cannot change it. */
  locked: boolean;
}

const TEXT = {
  pl: {
    title: 'Katalog produktów (API v3)',
    intro:
      'Produkty z POST /api/v1/products i z webhooków WooCommerce / Shopify trafiają do tego katalogu SALESmanago. Klucz API v3 i katalog ustawiasz w sekcji 1.',
    off: 'Wyłączony: ustaw klucz API v3 (SALESMANAGO_API_V3_KEY) w sekcji 1.',
    listFailed: 'Nie udało się pobrać katalogów:',
    none: 'Konto nie ma jeszcze katalogu: utwórz go poniżej.',
    linked: 'połączony',
    link: 'Połącz ten katalog',
    mismatch: (c: string, e: string) =>
      `Lokalizacja katalogu (${c}) różni się od lokalizacji zdarzeń (${e}): rekomendacje nie połączą zdarzeń z produktami. Ustaw SALESMANAGO_LOCATION na ${c} albo utwórz katalog z lokalizacją ${e}.`,
    notFound: (id: string) => `Ustawiony katalog ${id} nie istnieje na koncie.`,
    create: 'Utwórz katalog',
    name: 'Nazwa',
    currency: 'Waluta sklepu',
    location: 'Lokalizacja',
    figures: (s: number, q: number, f: number) => `Wysłane: ${s}, czekają: ${q}, odrzucone: ${f}.`,
    locked: 'SALESMANAGO_CATALOG_ID jest ustawione w wrangler.toml: zmień je tam.',
  },
  en: {
    title: 'Product catalog (API v3)',
    intro:
      'Products from POST /api/v1/products and the WooCommerce / Shopify webhooks go to this SALESmanago catalog. The API v3 key and the catalog are set in section 1.',
    off: 'Off: set the API v3 key (SALESMANAGO_API_V3_KEY) in section 1.',
    listFailed: 'Could not list the catalogs:',
    none: 'The account has no catalog yet: create one below.',
    linked: 'linked',
    link: 'Link this catalog',
    mismatch: (c: string, e: string) =>
      `The catalog's location (${c}) differs from the events' location (${e}): recommendations will not tie events to products. Set SALESMANAGO_LOCATION to ${c}, or create a catalog with location ${e}.`,
    notFound: (id: string) => `The catalog set, ${id}, does not exist in the account.`,
    create: 'Create a catalog',
    name: 'Name',
    currency: "The shop's currency",
    location: 'Location',
    figures: (s: number, q: number, f: number) => `Sent: ${s}, waiting: ${q}, refused: ${f}.`,
    locked: 'SALESMANAGO_CATALOG_ID is set in wrangler.toml: change it there.',
  },
} as const;

export function CatalogSection(props: { lang: Lang; catalog: CatalogView; catalogId: string | null; location: string; action: (path: string) => string }) {
  const t = TEXT[props.lang];
  const { list, figures, result } = props.catalog;
  return (
    <section id="catalog">
      <h2>{t.title}</h2>
      <p class="intro">{t.intro}</p>
      {result ? (
        <p id="catalog-result" class={`result`} data-ok={String(result.ok)}>
          {result.text}
        </p>
      ) : null}
      {list === null ? (
        <p id="catalog-off" class="muted">
          {t.off}
        </p>
      ) : null}
      {list && !list.ok ? (
        <p id="catalog-error" class="banner bad">
          {t.listFailed} <code>{list.error}</code>
        </p>
      ) : null}
      {list?.ok && list.linked && list.locationMismatch ? (
        <p id="catalog-location" class="banner bad">
          {t.mismatch(list.linked.location ?? '', props.location)}
        </p>
      ) : null}
      {list?.ok && props.catalogId && !list.linked ? (
        <p id="catalog-missing" class="banner bad">
          {t.notFound(props.catalogId)}
        </p>
      ) : null}
      {list?.ok && list.catalogs.length === 0 ? <p id="catalog-none">{t.none}</p> : null}
      {list?.ok && list.catalogs.length > 0 ? (
        <div class="scroll">
          <table id="catalogs">
            <thead>
              <tr>
                <th>{t.name}</th>
                <th>catalogId</th>
                <th>{t.currency}</th>
                <th>{t.location}</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {list.catalogs.map((c) => (
                <tr data-catalog={c.catalogId}>
                  <td>{c.name}</td>
                  <td>
                    <code>{c.catalogId}</code>
                  </td>
                  <td>{c.currency ?? ''}</td>
                  <td>
                    <code>{c.location ?? ''}</code>
                  </td>
                  <td>
                    {c.catalogId === props.catalogId ? (
                      <b class="linked">{t.linked}</b>
                    ) : props.catalog.locked ? null : (
                      <form method="post" action={props.action('catalog/link')}>
                        <input type="hidden" name="catalogId" value={c.catalogId} />
                        <button type="submit" class="secondary">
                          {t.link}
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {props.catalog.locked ? <p class="muted">{t.locked}</p> : null}
      {list?.ok && (list.max === null || list.catalogs.length < list.max) ? (
        <form id="catalog-create" method="post" action={props.action('catalog/create')}>
          <label>
            {t.name} <input name="name" required maxlength={255} value="sm-edge" />
          </label>{' '}
          <label>
            {t.currency} <input name="currency" required pattern="[A-Za-z]{3}" size={4} value={props.catalog.currency} />
          </label>{' '}
          <span>
            {t.location} <code>{props.location}</code>
          </span>{' '}
          <button type="submit">{t.create}</button>
        </form>
      ) : null}
      {figures ? (
        <div id="catalog-figures">
          <p>{t.figures(figures.sent, figures.queued, figures.failed)}</p>
          {figures.recentFailures.length > 0 ? (
            <ul>
              {figures.recentFailures.map((f) => (
                <li>
                  <code>{f.id}</code>{' '}
                  {f.reasonCode !== null ? (
                    <>
                      reasonCode <b>{f.reasonCode}</b>:{' '}
                    </>
                  ) : null}
                  {f.error ?? ''}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
