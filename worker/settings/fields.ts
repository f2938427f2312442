// Everything a merchant sets on the setup page, one entry per setting, and the settings only wrangler
// sets (WRANGLER_SETTINGS). An entry with a rule (config-rules.ts: required with its format, optional
// with its format, a whole number with its bounds) is the one place that rule, its bounds and its message are written: config.ts
// applies it, and the entry's hint quotes it. Adding a setting is one entry here plus its name in
// CONFIG_NAMES (config-names.ts), and its place in Config: the form, the merge with wrangler's vars and
// secrets, the encryption of secrets and the "last changed" record all follow from this table.
// A shared room (ARCHITECTURE.md): config.ts reads it, so it imports only the names and the rules.
import type { ConfigName } from '../config-names.ts';
import { atLeast, endpointProblem, format, required, whole, type RequiredRule, type SettingRule, type WholeRule } from '../config-rules.ts';
import { LOCATION_RULE } from '../salesmanago/limits.ts';
import { cartTemplateProblem } from '../shop/cart-url.ts';
import { publicPathProblem } from '../shop/public-path.ts';

type SettingKind =
  /** one line of text; empty = back to the default */
  | 'text'
  /** stored encrypted, never shown again after saving (only "set", its last 4 characters, "replace") */
  | 'secret'
  /** a switch: "true" or "false" */
  | 'flag'
  /** a comma-separated tag list with its own on/off switch (docs/seed.md step 7) */
  | 'tags'
  /** one of `choices` */
  | 'choice';

/**
 * Where a field is shown on /setup. 'platform' is for the shop platforms' secrets and options: a page
 * section renders its fields with <SettingRows view={settingsView(view)} section="platform" />
 * (worker/setup/settings-form.tsx, sections.tsx).
 */
export type SettingSection = 'salesmanago' | 'secrets' | 'tags' | 'shop' | 'consent' | 'platform';

export type SettingName = ConfigName;

export interface SettingField {
  name: SettingName;
  kind: SettingKind;
  section: SettingSection;
  label: { pl: string; en: string };
  hint?: { pl: string; en: string };
  placeholder?: string;
  choices?: readonly { value: string; pl: string; en: string }[];
  /** A secret the worker can generate for the merchant (shown once, right after saving). */
  generate?: boolean;
  /** Used when neither wrangler nor the page sets the value; may depend on the other values. */
  fallback?: string | ((values: Partial<Record<SettingName, string>>) => string);
  /** The longest value the page saves, in characters; default MAX_SETTING_LENGTH[kind]. */
  maxLength?: number;
  /** How config.ts reads the value, and the problem it names (config-rules.ts). */
  rule?: SettingRule;
}

/** A setting only wrangler sets (a var or secret; never on /setup): its name and its rule. */
interface WranglerSetting {
  name: SettingName;
  rule: SettingRule;
}

type FieldText = { pl: string; en: string };

/** A whole-number field: its placeholder and hint quote its own rule, so the bounds are written once. */
function wholeField(field: Omit<SettingField, 'kind' | 'rule' | 'placeholder' | 'hint'>, bounds: Omit<WholeRule, 'kind'>): SettingField {
  const rule = whole(bounds);
  return {
    ...field,
    kind: 'text',
    rule,
    placeholder: String(rule.default),
    hint: { pl: `Od ${rule.min} do ${rule.max}; puste: ${rule.default}.`, en: `${rule.min} to ${rule.max}; empty: ${rule.default}.` },
  };
}

/** A secret field of at least `minLength` characters, which its hint quotes. */
function secretField(field: Omit<SettingField, 'kind' | 'rule' | 'hint'>, minLength: number, hint: (min: number) => FieldText): SettingField {
  const rule: RequiredRule = atLeast(minLength);
  return { ...field, kind: 'secret', rule, hint: hint(minLength) };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** endpointProblem with an example that fits the setting. */
const baseUrl = (example: string) => (v: string) => endpointProblem(v)?.replace('https://app3.salesmanago.com', example) ?? null;

function isHttpUrl(value: string): boolean {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * The longest value of each kind the setup page saves (issue 20 item 4): every real value fits with
 * room to spare, and nothing the size of a document is stored, copied into KV and parsed on each
 * request. A field that needs more (a long domain list) says so with its own maxLength.
 */
const MAX_SETTING_LENGTH: Record<SettingKind, number> = { text: 256, secret: 512, flag: 5, tags: 1000, choice: 32 };

/** The longest value `field` may have. */
export function maxLengthOf(field: SettingField): number {
  return field.maxLength ?? MAX_SETTING_LENGTH[field.kind];
}

// ccTLDs of the EU/EEA (and .eu): shops there need consent before tracking (ePrivacy Directive art. 5(3)).
const EU_TLDS = new Set('eu at be bg hr cy cz dk ee fi fr de gr hu ie it lv lt lu mt nl pl pt ro sk si es se is li no'.split(' '));
// ccTLDs where the default may be "no consent needed"; anything else (generic .com/.shop, unknown)
// gets the safe default.
const NON_EU_TLDS = new Set('us ca au nz br mx ar jp kr in sg za'.split(' '));

/** "required" unless every shop domain is under a known non-EU country domain. */
export function defaultConsentMode(domains: string | undefined): 'required' | 'none' {
  const tlds = (domains ?? '')
    .split(',')
    .map((d) => d.trim().toLowerCase().split('.').pop() ?? '')
    .filter((t) => t && t !== 'localhost' && !/^\d+$/.test(t));
  if (tlds.length === 0 || tlds.some((t) => EU_TLDS.has(t) || !NON_EU_TLDS.has(t))) return 'required';
  return 'none';
}

export const SETTINGS: readonly SettingField[] = [
  {
    name: 'SALESMANAGO_ENDPOINT',
    kind: 'text',
    section: 'salesmanago',
    placeholder: 'https://app3.salesmanago.com',
    label: { pl: 'Adres (EndPoint)', en: 'Address (EndPoint)' },
    rule: required(endpointProblem),
  },
  {
    name: 'SALESMANAGO_CLIENT_ID',
    kind: 'text',
    section: 'salesmanago',
    label: { pl: 'Unikatowy identyfikator aplikacji (Client ID)', en: 'Application identifier (Client ID)' },
    rule: required((v) => (/^[a-z0-9]{4,40}$/i.test(v) ? null : 'must be the short client ID from SALESmanago (letters and digits)')),
  },
  {
    name: 'SALESMANAGO_API_SECRET',
    kind: 'secret',
    section: 'salesmanago',
    label: { pl: 'Ukryty kod aplikacji (API Secret)', en: 'Application secret (API Secret)' },
    rule: required((v) => (v.length >= 8 ? null : 'is too short to be an API secret')),
  },
  {
    name: 'SALESMANAGO_OWNER',
    kind: 'text',
    section: 'salesmanago',
    placeholder: 'owner@example.com',
    label: { pl: 'E-mail konta użytkownika SALESmanago (Owner)', en: "SALESmanago user's account e-mail (Owner)" },
    rule: required((v) => (EMAIL.test(v) ? null : 'must be an e-mail address')),
  },
  {
    name: 'SALESMANAGO_LOCATION',
    kind: 'text',
    section: 'salesmanago',
    label: { pl: 'Lokalizacja zdarzeń (location)', en: 'Event location' },
    hint: { pl: 'Puste: wyliczona z pierwszej domeny sklepu.', en: 'Empty: derived from the first shop domain.' },
    // The official plugin's rule, mixed case allowed, 3 to 36 characters (plugin 3.11.1
    // `salesmanago/src/Admin/Model/AdminModel.php:1031`), so a merchant moving from the plugin keeps
    // its location (the plugin's default is "sm_" + md5 of the shop URL).
    rule: format((v) => (LOCATION_RULE.test(v) ? null : 'must start with a letter or "_", then letters, digits or "_", 3 to 36 characters')),
  },
  {
    name: 'SALESMANAGO_API_V3_KEY',
    kind: 'secret',
    section: 'salesmanago',
    label: { pl: 'Klucz API v3 (katalog produktów)', en: 'API v3 key (product catalog)' },
    hint: { pl: 'Centrum Integracji → API → API v3. Puste: katalog wyłączony.', en: 'Integration Center → API → API v3. Empty: no product catalog.' },
  },
  {
    name: 'SALESMANAGO_CATALOG_ID',
    kind: 'text',
    section: 'salesmanago',
    label: { pl: 'Katalog produktów (catalogId)', en: 'Product catalog (catalogId)' },
    hint: { pl: 'Wybierz lub utwórz katalog poniżej, w sekcji "Katalog produktów".', en: 'Choose or create one below, under "Product catalog".' },
    rule: format((v) => (/^[A-Za-z0-9-]{1,64}$/.test(v) ? null : 'must be the catalog id SALESmanago gave (letters, digits and "-")')),
  },
  {
    name: 'SALESMANAGO_API_V3_ENDPOINT',
    kind: 'text',
    section: 'salesmanago',
    placeholder: 'https://api.salesmanago.com',
    label: { pl: 'Adres API v3', en: 'API v3 address' },
    hint: { pl: 'Puste: https://api.salesmanago.com.', en: 'Empty: https://api.salesmanago.com.' },
    rule: format(baseUrl('https://api.salesmanago.com')),
  },
  secretField(
    {
      name: 'CALLBACK_SECRET',
      section: 'secrets',
      generate: true,
      label: { pl: 'Sekret callbacków (CALLBACK_SECRET)', en: 'Callback secret (CALLBACK_SECRET)' },
    },
    8,
    (min) => ({ pl: `Co najmniej ${min} znaków; wchodzi do adresów callback.`, en: `At least ${min} characters; part of the callback URLs.` }),
  ),
  secretField(
    { name: 'SHOP_API_SECRET', section: 'secrets', generate: true, label: { pl: 'Klucz API sklepu (SHOP_API_SECRET)', en: 'Shop API key (SHOP_API_SECRET)' } },
    16,
    (min) => ({
      pl: `Co najmniej ${min} znaków; serwer sklepu podpisuje nim zamówienia i tokeny logowania.`,
      en: `At least ${min} characters; the shop server signs orders and login tokens with it.`,
    }),
  ),
  {
    name: 'TAGS_REGISTRATION',
    kind: 'tags',
    section: 'tags',
    fallback: 'REGISTRATION',
    label: { pl: 'Rejestracja', en: 'Registration' },
  },
  {
    name: 'TAGS_NEWSLETTER',
    kind: 'tags',
    section: 'tags',
    fallback: 'NEWSLETTER',
    label: { pl: 'Zapis do newslettera', en: 'Newsletter signup' },
  },
  {
    name: 'TAGS_PURCHASE_LOGGED_IN',
    kind: 'tags',
    section: 'tags',
    fallback: 'PURCHASE',
    label: { pl: 'Zakup przez klienta zalogowanego', en: 'Purchase by a logged-in customer' },
  },
  {
    name: 'TAGS_PURCHASE_GUEST',
    kind: 'tags',
    section: 'tags',
    fallback: 'GUEST_PURCHASE',
    label: { pl: 'Zakup przez klienta niezalogowanego', en: 'Purchase by a guest' },
  },
  {
    name: 'TAGS_LOGIN',
    kind: 'tags',
    section: 'tags',
    label: { pl: 'Logowanie (kontakt ze sklepu z trigger: login)', en: 'Login (a shop contact with trigger: login)' },
  },
  {
    name: 'SHOP_DOMAINS',
    kind: 'text',
    section: 'shop',
    maxLength: 2000,
    placeholder: 'sklep.example.pl, www.sklep.example.pl',
    label: { pl: 'Domeny sklepu (po przecinku)', en: 'Shop domains (comma-separated)' },
  },
  {
    name: 'SNIPPET_CONSENT',
    kind: 'choice',
    section: 'shop',
    fallback: (values) => defaultConsentMode(values.SHOP_DOMAINS),
    label: { pl: 'Zgoda na śledzenie w kodzie sklepu', en: "Tracking consent in the shop's snippet" },
    rule: format((v) => (['required', 'none'].includes(v.toLowerCase()) ? null : 'must be "required" or "none"')),
    choices: [
      { value: 'required', pl: 'wymagana (data-consent="required")', en: 'required (data-consent="required")' },
      { value: 'none', pl: 'niewymagana', en: 'not required' },
    ],
  },
  {
    name: 'DOUBLE_OPT_IN',
    kind: 'flag',
    section: 'consent',
    fallback: 'false',
    label: { pl: 'Double opt-in SALESmanago przy zapisie', en: "SALESmanago's double opt-in on signup" },
  },
  {
    name: 'DOUBLE_OPT_IN_EMAIL_ID',
    kind: 'text',
    section: 'consent',
    maxLength: 100,
    label: { pl: 'Identyfikator e-maila potwierdzającego', en: 'Confirmation e-mail id' },
  },
  {
    name: 'DOUBLE_OPT_IN_LANGUAGE',
    kind: 'text',
    section: 'consent',
    maxLength: 35,
    placeholder: 'pl',
    label: { pl: 'Język e-maila potwierdzającego', en: 'Confirmation e-mail language' },
  },
  {
    name: 'PUBLIC_PATH_PREFIX',
    kind: 'text',
    section: 'shop',
    placeholder: '/_e',
    label: { pl: 'Ścieżka w domenie sklepu (tryb first-party)', en: "Path on the shop's domain (first-party mode)" },
    hint: {
      pl: 'Np. /_e: kod i zdarzenia idą przez domenę sklepu (docs/theme.md "First-party mode"). Puste: wyłączone.',
      en: 'E.g. /_e: the snippet and its events go through the shop\'s domain (docs/theme.md "First-party mode"). Empty: off.',
    },
    rule: format(publicPathProblem),
  },
  {
    name: 'BROWSER_SIGNUP_OPT_IN',
    kind: 'flag',
    section: 'consent',
    fallback: 'false',
    label: {
      pl: 'Zapis z przeglądarki bez double opt-in zapisuje od razu (ryzyko)',
      en: 'A browser signup without double opt-in subscribes at once (a risk)',
    },
    hint: {
      pl: 'E-mail wpisany w formularzu nie jest sprawdzony: każdy może wpisać cudzy. Domyślnie wyłączone; znany wypis nigdy nie jest nadpisywany.',
      en: "An e-mail typed into a form is unverified: anyone can type someone else's. Off by default; a known opt-out is never overridden.",
    },
  },
  {
    name: 'WORKER_URL',
    kind: 'text',
    section: 'shop',
    maxLength: 2000,
    placeholder: 'https://sm-edge.example.workers.dev',
    label: { pl: 'Publiczny adres workera', en: "The worker's public address" },
    hint: { pl: 'Na ten adres wskazują adresy callback i kod sklepu.', en: 'The callback URLs and the snippet point here.' },
    rule: format(baseUrl('https://sm-edge.example.workers.dev')),
  },
  // Cart-recovery links (docs/import-and-recovery.md): the template's forms in worker/shop/cart-url.ts.
  {
    name: 'CART_RECOVERY_URL',
    kind: 'text',
    section: 'shop',
    placeholder: 'https://sklep.example.pl/cart/{items}',
    label: { pl: 'Adres odtworzenia koszyka (linki w porzuconych koszykach)', en: 'Cart-rebuild URL (links for abandoned carts)' },
    hint: {
      pl: '{items} = id:ilość,id:ilość (Shopify: /cart/{items}); albo {id} i {quantity} w parametrach. Puste: bez linków.',
      en: '{items} = id:quantity,id:quantity (Shopify: /cart/{items}); or {id} and {quantity} in query parameters. Empty: no links.',
    },
    rule: format(cartTemplateProblem),
  },
  wholeField(
    { name: 'CART_RECOVERY_DAYS', section: 'shop', label: { pl: 'Dni ważności linku do koszyka', en: 'Days a cart link stays valid' } },
    { default: 30, min: 1, max: 365, unit: 'days' },
  ),
  {
    name: 'SHOP_WEBHOOK_URL',
    kind: 'text',
    section: 'consent',
    maxLength: 2000,
    placeholder: 'https://sklep.example.pl/sm-edge/consents',
    label: { pl: 'Powiadomienia o zgodach do sklepu (webhook)', en: 'Consent changes pushed to the shop (webhook)' },
    rule: format((v) => (isHttpUrl(v) ? null : 'is not an http(s) URL')),
  },
  // Retention (docs/operations.md "Retention"): days each kind of ledger row is kept (delivery/retention.ts prunes).
  ...(
    [
      ['RETENTION_DELIVERED_DAYS', 'Dni przechowywania dostarczonych zdarzeń', 'Days delivered events are kept', 30, 1, 365],
      // Held events wait at most 30 days for their visitor to be identified (delivery/state.ts HELD_FOR_MS).
      ['RETENTION_HELD_DAYS', 'Dni przechowywania zdarzeń anonimowych', 'Days events of anonymous visitors are held', 30, 1, 30],
      ['RETENTION_LINKS_DAYS', 'Dni przechowywania powiązań przeglądarek', 'Days browser links are kept', 30, 1, 365],
      ['RETENTION_COUNTERS_DAYS', 'Dni przechowywania liczników', 'Days counters are kept', 400, 31, 1000],
      // Three years: the limitation period of claims between a shop and a consumer (Polish Civil Code
      // art. 118), during which the shop may have to prove a consent (docs/privacy.md "Retention").
      [
        'RETENTION_CONSENT_PROOF_DAYS',
        'Dni przechowywania dowodu zgody po jej wycofaniu',
        'Days the proof of a consent is kept after its withdrawal',
        1095,
        30,
        3650,
      ],
    ] as const
  ).map(([name, pl, en, fallback, min, max]) => wholeField({ name, section: 'consent', label: { pl, en } }, { default: fallback, min, max, unit: 'days' })),
  {
    name: 'WOOCOMMERCE_WEBHOOK_SECRET',
    kind: 'secret',
    section: 'platform',
    label: { pl: 'Sekret webhooków WooCommerce', en: 'WooCommerce webhook secret' },
    hint: { pl: 'Ten sam, który wpisujesz w polu "Secret" webhooka w WooCommerce.', en: 'The one you enter in the webhook\'s "Secret" field in WooCommerce.' },
  },
  {
    name: 'WOOCOMMERCE_PURCHASE_ON_HOLD',
    kind: 'flag',
    section: 'platform',
    fallback: 'false',
    label: { pl: 'WooCommerce: zamówienie "wstrzymane" (płatność offline) to zakup', en: 'WooCommerce: an on-hold order (offline payment) is a purchase' },
  },
  {
    name: 'WOOCOMMERCE_NEWSLETTER_META_KEY',
    kind: 'text',
    section: 'platform',
    label: { pl: 'WooCommerce: klucz meta zgody na newsletter', en: 'WooCommerce: newsletter consent meta key' },
    hint: { pl: 'Puste: WooCommerce nie zmienia zgód.', en: 'Empty: WooCommerce changes no consent.' },
  },
  {
    name: 'WOOCOMMERCE_URL',
    kind: 'text',
    section: 'platform',
    placeholder: 'https://shop.example.com',
    label: { pl: 'WooCommerce: adres sklepu (pobieranie zaległych zamówień)', en: 'WooCommerce: shop address (pulling missed orders)' },
  },
  {
    name: 'WOOCOMMERCE_CONSUMER_KEY',
    kind: 'secret',
    section: 'platform',
    label: { pl: 'WooCommerce: klucz REST API (Consumer key, tylko odczyt)', en: 'WooCommerce: REST API consumer key (read only)' },
    hint: {
      pl: 'WooCommerce → Ustawienia → Zaawansowane → REST API → Dodaj klucz, uprawnienia "Odczyt".',
      en: 'WooCommerce → Settings → Advanced → REST API → Add key, permissions "Read".',
    },
  },
  {
    name: 'WOOCOMMERCE_CONSUMER_SECRET',
    kind: 'secret',
    section: 'platform',
    label: { pl: 'WooCommerce: sekret REST API (Consumer secret)', en: 'WooCommerce: REST API consumer secret' },
  },
  {
    name: 'SHOPIFY_WEBHOOK_SECRET',
    kind: 'secret',
    section: 'platform',
    label: { pl: 'Klucz podpisu webhooków Shopify', en: 'Shopify webhook signing key' },
  },
  {
    name: 'SHOPIFY_SHOP_DOMAIN',
    kind: 'text',
    section: 'platform',
    placeholder: 'my-shop.myshopify.com',
    label: { pl: 'Domena sklepu Shopify', en: 'Shopify shop domain' },
  },
  {
    name: 'SHOPIFY_PURCHASE_ON_CREATE',
    kind: 'flag',
    section: 'platform',
    fallback: 'true',
    label: { pl: 'Shopify: opłacone orders/create to zakup', en: 'Shopify: a paid orders/create is a purchase' },
  },
  {
    name: 'SHOPIFY_ADMIN_TOKEN',
    kind: 'secret',
    section: 'platform',
    label: { pl: 'Shopify: token Admin API (read_orders, read_customers)', en: 'Shopify: Admin API access token (read_orders, read_customers)' },
    hint: { pl: 'Do pobierania zamówień i klientów, których webhooki nie dotarły.', en: 'To pull the orders and customers whose webhooks did not arrive.' },
  },
];

/**
 * The settings only wrangler sets (never on /setup): operators' and benchmarks' knobs. Each one's
 * rule is here like any other, so a wrong value is named on /health and in deploy:check instead of
 * being clamped silently where it is used; config.ts names their problems after the page's.
 */
export const WRANGLER_SETTINGS = [
  { name: 'ADMIN_PASSWORD', rule: atLeast(8) },
  // 30 s, as the official SDK (`Helper/ConnectionClients/cURLClient.php:16`): a shorter timeout turns
  // slow-but-stored calls into retries, i.e. duplicates. Event adds wait 3 × this and their one re-send
  // 6 × this (delivery/consumer.ts), so 2 min keeps that inside a consumer run's 15 min.
  { name: 'SALESMANAGO_TIMEOUT_MS', rule: whole({ default: 30_000, min: 100, max: 120_000, unit: 'milliseconds' }) },
  // The first retry delay; it doubles up to 120 × this, at most 1 h (delivery/backoff.ts).
  { name: 'DELIVERY_RETRY_BASE_S', rule: whole({ default: 30, min: 1, max: 3600, unit: 'seconds' }) },
  // The accumulator's window (delivery/accumulator.ts): 0 turns it off; at most 5 min of waiting.
  { name: 'DELIVERY_WINDOW_S', rule: whole({ default: 10, min: 0, max: 300, unit: 'seconds' }) },
  // Delivery queues used, by contact (queue/shards.ts): at most the EVENTS_<i> bindings wrangler.toml declares.
  { name: 'DELIVERY_SHARDS', rule: whole({ default: 1, min: 1, max: 8 }) },
  // Ledger databases (ledger/databases.ts): LEDGER and LEDGER_1 … LEDGER_<n-1>, which wrangler.toml must
  // declare. Set before the first event: a row's database is its contact's key mod this count.
  { name: 'LEDGER_DATABASES', rule: whole({ default: 1, min: 1, max: 32 }) },
] as const satisfies readonly WranglerSetting[];

export function settingField(name: string): SettingField | undefined {
  return SETTINGS.find((f) => f.name === name);
}
