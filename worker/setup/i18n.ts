// The setup page's words, in Polish (the seed's language) and English. Section titles name the
// steps of the seed (Comarch e-Sklep's SALESmanago guide, steps 1 to 8) they correspond to.
import type { Unit } from '../config-rules.ts';

const LANGS = ['pl', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const pl = {
  htmlLang: 'pl',
  title: 'SALESmanago edge: konfiguracja',
  subtitle: 'Integracja sklepu z SALESmanago. Wszystko na jednej stronie, krok po kroku.',
  langSwitch: 'English',
  allSet: 'Gotowe! Integracja działa (krok 8).',
  toFix: (n: number) => `Do poprawienia: ${n}. Szczegóły poniżej.`,
  connectionBanner: 'Test połączenia z SALESmanago się nie powiódł: wynik w sekcji 1.',
  bannerRefused: (labels: string) => `Nie zapisano. Popraw: ${labels}.`,
  callbacksSeeSteps: 'szczegóły w sekcji 4.',
  foldsNote: 'Pozostałe ustawienia: kliknij nagłówek, aby rozwinąć lub zwinąć (strona zapamiętuje wybór).',
  catalogFold: 'Katalog produktów (API v3)',
  platformFold: 'Platforma sklepu (WooCommerce, Shopify)',
  stepsOfSeed: (s: string) => `krok ${s} instrukcji`,
  set: 'ustawione',
  valid: 'poprawne',
  missing: 'brak',
  empty: 'puste',
  invalid: 'błędne',
  hidden: 'ukryte',
  off: 'wyłączone',
  yes: 'tak',
  no: 'nie',
  never: 'jeszcze nie',
  ok: 'OK',
  failed: 'Błąd',

  connectionTitle: 'Połączenie z SALESmanago',
  connectionIntro:
    'Cztery wartości z SALESmanago (Integracje > API). Wpisz je tutaj i kliknij „Zapisz i testuj połączenie”; działają od razu, bez ponownego wdrożenia. Wartość ustawiona we wranglerze ma pierwszeństwo i blokuje pole.',
  colValue: 'Wartość',
  colName: 'Zmienna',
  colState: 'Stan',
  labelEndpoint: 'Adres (EndPoint)',
  labelClientId: 'Unikatowy identyfikator aplikacji (Client ID)',
  labelApiSecret: 'Ukryty kod aplikacji (API Secret)',
  labelOwner: 'E-mail konta użytkownika SALESmanago (Owner)',
  otherProblems: 'Inne ustawienia do poprawienia',
  testConnection: 'Testuj połączenie',
  connectionOk: (owner: string, _isContact: boolean) => `Połączono. SALESmanago przyjęło Client ID, API Secret i Owner (${owner}); zdarzenia mogą płynąć.`,
  connectionFailed: 'Nie udało się połączyć:',

  callbacksTitle: 'Adresy callback opt-in i opt-out',
  callbacksIntro:
    'Skopiuj oba adresy do SALESmanago: Integracje > Callbacki, pola „Opt-in callback URL” i „Opt-out callback URL”, a następnie zapisz ustawienia (krok 6). SALESmanago wstawi e-mail kontaktu w miejsce $email$ i wyliczy klucz sha1.',
  optInUrl: 'Opt-in callback URL',
  optOutUrl: 'Opt-out callback URL',
  callbacksNoSecret: 'Ustaw sekret callbacków (CALLBACK_SECRET, co najmniej 8 znaków) w sekcji sekretów poniżej, aby otrzymać adresy.',
  secretCharsWarning: 'CALLBACK_SECRET zawiera znaki inne niż litery, cyfry, „-” i „_”; mogą zepsuć adres w SALESmanago.',
  secretNote: 'Adresy zawierają CALLBACK_SECRET: tak działa zabezpieczenie callbacków SALESmanago. Nie publikuj ich.',

  testCallbacksTitle: 'Test adresów callback',
  testCallbacksIntro: (email: string) =>
    `Wywołuje oba callbacki tego workera tak, jak zrobi to SALESmanago, z adresem testowym ${email}, i sprawdza zapisany status. Adres testowy nie trafia do listy zmian widocznej dla sklepu.`,
  testCallbacks: 'Testuj adresy callback',
  callbacksOk: 'Callbacki działają: status opt-in i opt-out został zapisany.',
  callbacksFailed: 'Callbacki nie działają:',
  callbacksNoSecretShort: 'sekret callbacków (CALLBACK_SECRET) nie jest ustawiony.',
  stepStored: 'zapisany status',

  tagsTitle: 'Tagi zdarzeń',
  tagsIntro: 'Tagi dodawane do kontaktu przy zdarzeniach. Pusta lista wyłącza tagowanie danego zdarzenia.',
  tagRegistration: 'Rejestracja',
  tagNewsletter: 'Zapis do newslettera',
  tagPurchaseLoggedIn: 'Zakup przez klienta zalogowanego',
  tagPurchaseGuest: 'Zakup przez klienta niezalogowanego',
  browserSignups: (doi: boolean, optIn: boolean) =>
    'Zapisy do newslettera z formularza w przeglądarce (BROWSER_SIGNUP_OPT_IN): adres wpisany w przeglądarce nie jest potwierdzony, każdy może wpisać cudzy. ' +
    'Znany wypis (opt-out) nigdy nie jest nadpisywany. ' +
    (doi
      ? 'Double opt-in jest włączony: zapis wysyła tylko e-mail z prośbą o potwierdzenie.'
      : optIn
        ? 'Włączone (true): zapis bez double opt-in od razu zapisuje kontakt do newslettera; ryzyko, że ktoś zapisze cudzy adres, bierzesz na siebie.'
        : 'Wyłączone (domyślnie): bez double opt-in zapis z przeglądarki nie zmienia zgody kontaktu. Włącz double opt-in albo ustaw BROWSER_SIGNUP_OPT_IN=true, akceptując ryzyko.'),

  snippetTitle: 'Kod do szablonu sklepu i domeny',
  snippetIntro:
    'Wklej ten kod do szablonu sklepu (przed </head>). Zdarzenia z przeglądarki są przyjmowane tylko z zarejestrowanych domen; zgłoś te domeny także w SALESmanago.',
  snippetFromWorker: 'Skrypt z adresu workera:',
  snippetFirstParty: (prefix: string, set: boolean) =>
    `Albo z własnej domeny sklepu (tryb first-party, odporny na blokery reklam): ścieżka ${prefix} sklepu kierowana do workera (docs/theme.md „First-party mode”)${set ? '' : '; ustaw PUBLIC_PATH_PREFIX'}:`,
  snippetVariants: 'Warianty (ten sam tag, inny plik; docs/theme.md „Variants”):',
  snippetVariantDefault: "domyślny: wizyty, koszyk, logowanie, formularze i newsletter, smEdge('view', …); najmniejszy (budżet 1 500 B gzip).",
  snippetVariantFull:
    'to, co s.js, plus oglądane produkty odczytane z danych Product JSON-LD strony (większość motywów WooCommerce, Shopify i PrestaShop je drukuje) oraz obsługa data-sm-monitoring.',
  snippetVariantMonitoring:
    'atrybut tagu s.full.js: po zgodzie wczytuje kod monitorujący SALESmanago (sm.js: pop-upy, web push, czat) dla skonfigurowanego Client ID; jeden tag zamiast dwóch.',
  domains: 'Zarejestrowane domeny (SHOP_DOMAINS)',
  noDomains: 'Brak: ustaw SHOP_DOMAINS.',

  deliveryTitle: 'Dostarczanie do SALESmanago (ostatnie 24 h)',
  accepted: 'przyjęte',
  delivered: 'dostarczone',
  queued: 'w kolejce',
  held: 'wstrzymane (nieznany kontakt)',
  failedStatus: 'odrzucone',
  dead: 'porzucone po ponowieniach',
  expired: 'wygasłe',
  lastErrors: 'Ostatnie błędy',
  noErrors: 'Brak błędów.',
  refusedCount: (n: number) => `Odrzucone żądania serwera sklepu i platform (24 h): ${n}. Zobacz powody →`,
  orderConflicts: 'Zamówienia wysłane ponownie z inną treścią (ten sam numer, inne dane: zostaje pierwsza wersja):',
  figuresUnavailable: 'Statystyki są niedostępne:',
  lastCallback: 'Ostatni callback z SALESmanago',
  lastRefused: 'Ostatni odrzucony callback',
  webhook: 'Powiadomienia do sklepu (SHOP_WEBHOOK_URL)',

  settingsSave: 'Zapisz',
  settingsSaveTest: 'Zapisz i testuj połączenie',
  settingsSaved: (names: string) => `Zapisano: ${names}.`,
  settingsNothing: 'Nic się nie zmieniło.',
  settingsRefused: 'Nie zapisano. Popraw zaznaczone pola:',
  settingsLastChanged: (at: string, names: string) => `Ostatnia zmiana ustawień: ${at} (${names}).`,
  settingsReleased: (n: number) => `${n} zdarzeń czekających na konfigurację wysłano do SALESmanago.`,
  settingsUnreadable: 'Ustawień zapisanych na tej stronie nie udało się odczytać; działają tylko wartości z wranglera:',
  generatedOnce: 'Wygenerowany sekret (widoczny tylko teraz, skopiuj go do serwera sklepu):',
  sourceWrangler: 'ustawione w wrangler.toml: zablokowane',
  sourceWranglerSecret: 'ustawione sekretem wranglera: zablokowane',
  sourceStored: (at: string) => `zapisane tutaj ${at}`,
  sourceDefault: 'wartość domyślna',
  secretSet: (last4: string) => `ustawione, kończy się na …${last4}`,
  secretUnreadable: 'zapisane, ale nie do odczytania (zmienił się klucz): wpisz ponownie',
  secretReplace: 'zastąp: wpisz nową wartość',
  secretEnter: 'wpisz wartość',
  secretClear: 'usuń',
  secretGenerate: 'wygeneruj nowy',
  tagsOn: 'włączone',
  copy: 'Kopiuj',
  copied: 'Skopiowano',
  secretsTitle: 'Sekrety callbacków i API sklepu',
  secretsIntro: 'Sekrety wspólne z SALESmanago (callbacki) i z serwerem sklepu. Zapisane są szyfrowane (AES-GCM) i nigdy nie są pokazywane ponownie.',
  consentTitle: 'Zgody i powiadomienia',
  consentIntro: 'Double opt-in SALESmanago przy zapisie do newslettera i adres, na który worker wysyła zmiany zgód.',
  snippetConsentNote:
    'data-consent="required": w UE (RODO, dyrektywa ePrivacy) śledzenie wymaga zgody, więc kod nic nie wysyła, dopóki baner zgód nie wywoła smEdge(\'consent\', true).',
  snippetConsentOff: 'Bez data-consent: kod śledzi od razu; wybierz to tylko poza UE lub gdy zgoda jest zbierana inaczej.',
  errNotSet: 'nie jest ustawione',
  connAuth: 'SALESmanago nie przyjęło Client ID i API Secret. Skopiuj je jeszcze raz z SALESmanago: Integracje > API.',
  connOwner: 'SALESmanago nie zna adresu Owner. Musi to być e-mail użytkownika Twojego konta SALESmanago.',
  connUnreachable: 'Adres (EndPoint) nie odpowiada. Sprawdź go w SALESmanago: Integracje > API (np. https://app3.salesmanago.com).',
  connNotApi: 'Pod tym adresem (EndPoint) nie odpowiada API SALESmanago. Sprawdź adres w Integracje > API.',
  connBusy: 'SALESmanago jest chwilowo niedostępne. Spróbuj ponownie za kilka minut; zdarzenia czekają w kolejce.',
  connRefused: 'SALESmanago odmówiło.',
  connNotConfigured: 'Brakuje wartości połączenia:',
  connAnswer: 'Odpowiedź SALESmanago:',

  navSetup: 'Konfiguracja',
  navEvents: 'Zdarzenia',
  navContact: 'Kontakt',
  eventsTitle: 'Zdarzenia (najnowsze najpierw)',
  eventsIntro: 'Ostatnie zdarzenia z przeglądarki i serwera sklepu, z odpowiedzią SALESmanago i czasem każdego kroku.',
  filterType: 'Typ',
  filterStatus: 'Stan',
  filterEmail: 'E-mail',
  filterAll: 'wszystkie',
  filterApply: 'Pokaż',
  colTime: 'Przyjęte',
  colEvent: 'Zdarzenie',
  eventProducts: 'produkty',
  colContact: 'Kontakt',
  colStatus: 'Stan',
  colAnswer: 'Odpowiedź SALESmanago / powód',
  colLastStep: 'Ostatni krok',
  attempts: (n: number) => `prób: ${n}`,
  noEvents: 'Brak zdarzeń dla tego filtra.',
  answerAccepted: 'przyjęte przez SALESmanago',
  refusedTitle: 'Odrzucone żądania serwera sklepu i platform',
  refusedIntro: 'Żądania do API sklepu (/api/v1) i platform odrzucone przez worker, z powodem. Nic z nich nie trafiło do SALESmanago.',
  noRefused: 'Brak odrzuconych żądań.',
  chartTitle: 'Zdarzenia na godzinę (ostatnie 24 h) według wyniku',
  chartLabel: (n: number) => `Zdarzenia na godzinę w ostatnich 24 godzinach, razem ${n}`,
  contactTitle: 'Kontakt',
  contactIntro: 'Wpisz e-mail: zgoda (stan, źródło, czas), identyfikator kontaktu w SALESmanago i ostatnie zdarzenia.',
  contactShow: 'Pokaż',
  consentStatus: 'Zgoda',
  consentSource: 'źródło',
  consentUnknown: 'nieznana (brak callbacku ani zapisu ze sklepu)',
  contactId: 'ID kontaktu w SALESmanago',
  contactIdUnknown: 'jeszcze nieznane',
  visitorsLinked: 'Powiązani odwiedzający (przeglądarki)',
  recentEvents: 'Ostatnie zdarzenia',
  emailUnknown: 'e-mail nieznany',
  eventTypeNames: {
    visit: 'odwiedziny',
    cart: 'koszyk',
    login: 'logowanie',
    offer: 'oferta',
    newsletter: 'zapis do newslettera',
    survey: 'ankieta',
    purchase: 'zakup',
    return: 'zwrot',
    cancellation: 'anulowanie',
    contact: 'kontakt',
    erasure: 'usunięcie danych',
  } as Record<string, string>,
  sourceNames: {
    browser: 'przeglądarka',
    shop: 'serwer sklepu',
    api: 'API sklepu',
    setup: 'strona konfiguracji',
    platform: 'platforma sklepu',
    imported: 'import',
    pos: 'sklep stacjonarny',
    woocommerce: 'WooCommerce',
    shopify: 'Shopify',
  } as Record<string, string>,
  statusNames: {
    queued: 'w kolejce',
    held: 'wstrzymane',
    delivered: 'dostarczone',
    failed: 'odrzucone',
    dead: 'porzucone',
    expired: 'wygasłe',
  } as Record<string, string>,
  lockedTitle: 'Strona konfiguracji jest zablokowana',
  lockedBody: 'Ustaw hasło administratora (co najmniej 8 znaków), a strona się odblokuje. Logowanie: dowolny użytkownik, to hasło.',
  lockedLocal: 'Lokalnie: dopisz ADMIN_PASSWORD=… do pliku .dev.vars.',
  catalogLocked: 'Katalog produktów (SALESMANAGO_CATALOG_ID) jest ustawiony w wrangler.toml: zmień go tam.',
  unauthorized: 'Wymagane logowanie: dowolna nazwa użytkownika i hasło administratora (ADMIN_PASSWORD).',
};

export type Messages = typeof pl;

const en: Messages = {
  htmlLang: 'en',
  title: 'SALESmanago edge: setup',
  subtitle: "The shop's SALESmanago integration. Everything on one page, step by step.",
  langSwitch: 'Polski',
  allSet: 'Done! The integration works (step 8).',
  toFix: (n) => `${n} thing${n === 1 ? '' : 's'} to fix. Details below.`,
  connectionBanner: 'The connection test with SALESmanago failed: see its result in section 1.',
  bannerRefused: (labels) => `Not saved. Fix: ${labels}.`,
  callbacksSeeSteps: 'details in section 4.',
  foldsNote: 'The other settings: click a heading to open or close it (the page remembers your choice).',
  catalogFold: 'Product catalog (API v3)',
  platformFold: 'Shop platform (WooCommerce, Shopify)',
  stepsOfSeed: (s) => `guide step ${s}`,
  set: 'set',
  valid: 'valid',
  missing: 'missing',
  empty: 'empty',
  invalid: 'invalid',
  hidden: 'hidden',
  off: 'off',
  yes: 'yes',
  no: 'no',
  never: 'not yet',
  ok: 'OK',
  failed: 'Failed',

  connectionTitle: 'SALESmanago connection',
  connectionIntro:
    'The four values from SALESmanago (Integrations > API). Enter them here and click "Save and test the connection"; they apply at once, without a redeploy. A value set with wrangler wins and locks the field.',
  colValue: 'Value',
  colName: 'Variable',
  colState: 'State',
  labelEndpoint: 'Address (EndPoint)',
  labelClientId: 'Application identifier (Client ID)',
  labelApiSecret: 'Application secret (API Secret)',
  labelOwner: "SALESmanago user's account e-mail (Owner)",
  otherProblems: 'Other settings to fix',
  testConnection: 'Test connection',
  connectionOk: (owner, _isContact) => `Connected. SALESmanago accepted the credentials: Client ID, API Secret and Owner (${owner}); events can flow.`,
  connectionFailed: 'Could not connect:',

  callbacksTitle: 'Opt-in and opt-out callback URLs',
  callbacksIntro:
    'Copy both URLs into SALESmanago: Integrations > Callbacks, fields "Opt-in callback URL" and "Opt-out callback URL", then save (step 6). SALESmanago puts the contact\'s e-mail in place of $email$ and computes the sha1 key.',
  optInUrl: 'Opt-in callback URL',
  optOutUrl: 'Opt-out callback URL',
  callbacksNoSecret: 'Set the callback secret (CALLBACK_SECRET, at least 8 characters) in the secrets section below to get the URLs.',
  secretCharsWarning: 'CALLBACK_SECRET has characters other than letters, digits, "-" and "_"; they may break the URL in SALESmanago.',
  secretNote: "The URLs contain CALLBACK_SECRET: that is how SALESmanago's callbacks are secured. Do not publish them.",

  testCallbacksTitle: 'Test callback URL',
  testCallbacksIntro: (email) =>
    `Calls both callbacks of this worker as SALESmanago will, with the test address ${email}, and checks the status stored. The test address never reaches the changes list the shop reads.`,
  testCallbacks: 'Test callback URL',
  callbacksOk: 'The callbacks work: opt-in and opt-out were stored.',
  callbacksFailed: 'The callbacks do not work:',
  callbacksNoSecretShort: 'CALLBACK_SECRET is not set',
  stepStored: 'status stored',

  tagsTitle: 'Event tags',
  tagsIntro: 'Tags added to the contact on each event. An empty list switches tagging off for that event.',
  tagRegistration: 'Registration',
  tagNewsletter: 'Newsletter signup',
  tagPurchaseLoggedIn: 'Purchase by a logged-in customer',
  tagPurchaseGuest: 'Purchase by a guest',
  browserSignups: (doi: boolean, optIn: boolean) =>
    "Newsletter signups from a browser form (BROWSER_SIGNUP_OPT_IN): an address typed in a browser is not verified; anyone can type someone else's. " +
    'A known opt-out is never overridden. ' +
    (doi
      ? 'Double opt-in is on: a signup only sends the confirmation e-mail.'
      : optIn
        ? 'On (true): without double opt-in a signup opts the contact in at once; you accept the risk that someone subscribes an address that is not theirs.'
        : 'Off (default): without double opt-in a browser signup changes no consent. Turn double opt-in on, or set BROWSER_SIGNUP_OPT_IN=true if you accept the risk.'),

  snippetTitle: 'Snippet for the shop theme, and domains',
  snippetIntro:
    "Paste this into the shop's theme (before </head>). Browser events are accepted only from the registered domains; register them in SALESmanago too.",
  snippetFromWorker: "The script from the worker's address:",
  snippetFirstParty: (prefix: string, set: boolean) =>
    `Or from the shop's own domain (first-party mode, not blocked by ad blockers): the shop's path ${prefix} routed to the worker (docs/theme.md "First-party mode")${set ? '' : '; set PUBLIC_PATH_PREFIX'}:`,
  snippetVariants: 'Variants (the same tag, another file; docs/theme.md "Variants"):',
  snippetVariantDefault: "the default: visits, cart, login, forms and newsletter, smEdge('view', …); the smallest (budget 1,500 B gzip).",
  snippetVariantFull:
    "what s.js does, plus product views read from the page's Product JSON-LD (most WooCommerce, Shopify and PrestaShop themes print it) and data-sm-monitoring.",
  snippetVariantMonitoring:
    "an attribute of the s.full.js tag: after consent it loads SALESmanago's own monitoring code (sm.js: pop-ups, web push, chat) for the configured Client ID; one tag instead of two.",
  domains: 'Registered domains (SHOP_DOMAINS)',
  noDomains: 'None: set SHOP_DOMAINS.',

  deliveryTitle: 'Delivery to SALESmanago (last 24 h)',
  accepted: 'accepted',
  delivered: 'delivered',
  queued: 'queued',
  held: 'held (contact not known yet)',
  failedStatus: 'refused',
  dead: 'given up after retries',
  expired: 'expired',
  lastErrors: 'Last errors',
  noErrors: 'No errors.',
  refusedCount: (n) => `Shop-server and platform requests refused (24 h): ${n}. See why →`,
  orderConflicts: 'Orders re-posted with other content (same number, other data: the first version stands):',
  figuresUnavailable: 'Figures are unavailable:',
  lastCallback: 'Last callback from SALESmanago',
  lastRefused: 'Last refused callback',
  webhook: 'Push to the shop (SHOP_WEBHOOK_URL)',

  settingsSave: 'Save',
  settingsSaveTest: 'Save and test the connection',
  settingsSaved: (names) => `Saved: ${names}.`,
  settingsNothing: 'Nothing changed.',
  settingsRefused: 'Not saved. Fix the marked fields:',
  settingsLastChanged: (at, names) => `Settings last changed ${at} (${names}).`,
  settingsReleased: (n) => `${n} event${n === 1 ? '' : 's'} that waited for the configuration sent to SALESmanago.`,
  settingsUnreadable: 'The settings saved on this page could not be read; only the wrangler values apply:',
  generatedOnce: 'Generated secret (shown only now; copy it to the shop server):',
  sourceWrangler: 'set in wrangler.toml: locked',
  sourceWranglerSecret: 'set as a wrangler secret: locked',
  sourceStored: (at) => `saved here ${at}`,
  sourceDefault: 'default',
  secretSet: (last4) => `set, ends in …${last4}`,
  secretUnreadable: 'saved, but unreadable (the key changed): enter it again',
  secretReplace: 'replace: type a new value',
  secretEnter: 'type the value',
  secretClear: 'remove',
  secretGenerate: 'generate a new one',
  tagsOn: 'on',
  copy: 'Copy',
  copied: 'Copied',
  secretsTitle: 'Callback and shop API secrets',
  secretsIntro: 'Secrets shared with SALESmanago (callbacks) and with the shop server. They are stored encrypted (AES-GCM) and never shown again.',
  consentTitle: 'Consents and notifications',
  consentIntro: "SALESmanago's double opt-in on newsletter signup, and the address the worker pushes consent changes to.",
  snippetConsentNote:
    'data-consent="required": in the EU (GDPR, ePrivacy Directive) tracking needs consent, so the snippet sends nothing until the consent banner calls smEdge(\'consent\', true).',
  snippetConsentOff: 'Without data-consent: the snippet tracks at once; choose this only outside the EU or when consent is collected otherwise.',
  errNotSet: 'is not set',
  connAuth: 'SALESmanago did not accept the Client ID and API Secret. Copy them again from SALESmanago: Integrations > API.',
  connOwner: 'SALESmanago does not know the Owner address. It must be the e-mail of a user of your SALESmanago account.',
  connUnreachable: 'The address (EndPoint) does not answer. Check it in SALESmanago: Integrations > API (e.g. https://app3.salesmanago.com).',
  connNotApi: 'No SALESmanago API answers at this address (EndPoint). Check it in Integrations > API.',
  connBusy: 'SALESmanago is unavailable right now. Try again in a few minutes; events wait in the queue.',
  connRefused: 'SALESmanago refused.',
  connNotConfigured: 'Connection values missing:',
  connAnswer: "SALESmanago's answer:",

  navSetup: 'Setup',
  navEvents: 'Events',
  navContact: 'Contact',
  eventsTitle: 'Events (newest first)',
  eventsIntro: "The last events from the browser and the shop server, with SALESmanago's answer and the time of each step.",
  filterType: 'Type',
  filterStatus: 'Status',
  filterEmail: 'E-mail',
  filterAll: 'all',
  filterApply: 'Show',
  colTime: 'Accepted',
  colEvent: 'Event',
  eventProducts: 'products',
  colContact: 'Contact',
  colStatus: 'Status',
  colAnswer: "SALESmanago's answer / reason",
  colLastStep: 'Last step',
  attempts: (n) => `attempts: ${n}`,
  noEvents: 'No events for this filter.',
  answerAccepted: 'accepted by SALESmanago',
  refusedTitle: 'Refused shop-server and platform requests',
  refusedIntro: 'Requests to the shop API (/api/v1) and from platforms that the worker refused, with the reason. None of them reached SALESmanago.',
  noRefused: 'No refused requests.',
  chartTitle: 'Events per hour (last 24 h) by outcome',
  chartLabel: (n) => `Events per hour over the last 24 hours, ${n} in all`,
  contactTitle: 'Contact',
  contactIntro: 'Enter an e-mail: its consent (status, source, time), its SALESmanago contact id and its recent events.',
  contactShow: 'Show',
  consentStatus: 'Consent',
  consentSource: 'source',
  consentUnknown: 'unknown (no callback and nothing from the shop)',
  contactId: 'SALESmanago contact id',
  contactIdUnknown: 'not known yet',
  visitorsLinked: 'Linked visitors (browsers)',
  recentEvents: 'Recent events',
  emailUnknown: 'e-mail not known',
  eventTypeNames: {
    visit: 'visit',
    cart: 'cart',
    login: 'login',
    offer: 'offer',
    newsletter: 'newsletter signup',
    survey: 'survey',
    purchase: 'purchase',
    return: 'return',
    cancellation: 'cancellation',
    contact: 'contact',
    erasure: 'erasure',
  },
  sourceNames: {
    browser: 'browser',
    shop: 'shop server',
    api: 'shop API',
    setup: 'setup page',
    platform: 'shop platform',
    imported: 'import',
    pos: 'point of sale',
    woocommerce: 'WooCommerce',
    shopify: 'Shopify',
  },
  statusNames: {
    queued: 'queued',
    held: 'held',
    delivered: 'delivered',
    failed: 'refused',
    dead: 'given up',
    expired: 'expired',
  },
  lockedTitle: 'The setup page is locked',
  lockedBody: 'Set an admin password (at least 8 characters) to unlock it. Sign in with any user name and that password.',
  lockedLocal: 'Locally: add ADMIN_PASSWORD=… to .dev.vars.',
  catalogLocked: 'The product catalog (SALESMANAGO_CATALOG_ID) is set in wrangler.toml: change it there.',
  unauthorized: 'Sign-in required: any user name and the admin password (ADMIN_PASSWORD).',
};

const MESSAGES: Record<Lang, Messages> = { pl, en };

export function messagesFor(lang: string | undefined): { lang: Lang; t: Messages } {
  const chosen: Lang = lang === 'pl' ? 'pl' : 'en';
  return { lang: chosen, t: MESSAGES[chosen] };
}

/** The units of whole-number settings (config-rules.ts), in Polish, as they follow "od 1 do 30". */
const UNITS_PL: Record<Unit, string> = { days: 'dni', seconds: 'sekund', milliseconds: 'milisekund' };
const unitPl = (unit: string | undefined) => (unit ? ` ${UNITS_PL[unit as Unit]}` : '');
const UNIT = `(${Object.keys(UNITS_PL).join('|')})`;

// The configuration problems of worker/config.ts (and of the rules of settings/fields.ts,
// config-rules.ts), in Polish. A problem not listed here (added later) is shown as written, in English.
const PROBLEMS_PL: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^is not set$/, () => 'nie jest ustawione'],
  [/^is not a URL/, () => 'nie jest adresem URL (np. https://app3.salesmanago.com)'],
  [/^must use https$/, () => 'musi używać https'],
  [/^must be the base URL only/, () => 'musi być samym adresem, bez ścieżki (np. https://app3.salesmanago.com)'],
  [/^must be the short client ID/, () => 'musi być krótkim Client ID z SALESmanago (litery i cyfry)'],
  [/^is too short to be an API secret$/, () => 'jest za krótkie jak na API Secret'],
  [/^must be an e-mail address$/, () => 'musi być adresem e-mail'],
  [/^must start with a letter/, () => 'musi zaczynać się literą lub „_”, dalej a-z, 0-9 lub „_”, od 3 do 36 znaków'],
  [/^"(.*)" is not a domain name/, (m) => `„${m[1]}” nie jest nazwą domeny`],
  [/^"(.*)" is a public suffix/, (m) => `„${m[1]}” to sufiks publiczny, nie domena sklepu (wpuściłby każdą stronę pod nim): pominięte`],
  [/^is required$/, () => 'jest wymagane: połączenie z SALESmanago potrzebuje wszystkich czterech wartości'],
  [/^must be at most (\d+) characters$/, (m) => `może mieć najwyżej ${m[1]} znaków`],
  [/^is required when SHOPIFY_WEBHOOK_SECRET is set/, () => 'jest wymagane, gdy ustawiony jest sekret webhooków Shopify (domena my-shop.myshopify.com)'],
  [/^is not set \(choose or create a catalog/, () => 'nie jest ustawione (wybierz lub utwórz katalog na tej stronie)'],
  [/^is not set \(Integration Center/, () => 'nie jest ustawione (SALESmanago: Integration Center → API → API v3)'],
  [/^must be the catalog id/, () => 'musi być identyfikatorem katalogu z SALESmanago (litery, cyfry i „-”)'],
  [
    new RegExp(`^must be a whole number(?: of ${UNIT})? \\((\\d+) to (\\d+)\\); using (\\d+)$`),
    (m) => `musi być liczbą całkowitą${unitPl(m[1])} (od ${m[2]} do ${m[3]}); używane: ${m[4]}`,
  ],
  [new RegExp(`^must be from (\\d+) to (\\d+)(?: ${UNIT})?; using (\\d+)$`), (m) => `musi być od ${m[1]} do ${m[2]}${unitPl(m[3])}; używane: ${m[4]}`],
  [
    /^is needed for cart-recovery links/,
    () => 'jest potrzebne do linków odtworzenia koszyka (CART_RECOVERY_URL), chyba że ustawiono ścieżkę first-party (PUBLIC_PATH_PREFIX)',
  ],
  [/^is not a multiple of LEDGER_DATABASES \((\d+)\): (\d+) used$/, (m) => `nie jest wielokrotnością LEDGER_DATABASES (${m[1]}): używane: ${m[2]}`],
  [/^must contain \{items\}/, () => 'musi zawierać {items} albo {id} (i {quantity}) w parametrach adresu'],
  [
    /^\{id\} and \{quantity\} may only stand in query parameters/,
    () => '{id} i {quantity} mogą stać tylko w parametrach adresu (…?add={id}&qty={quantity}); albo użyj {items}',
  ],
  [/^must be a path such as/, () => 'musi być ścieżką, np. „/_e”: zaczyna się od „/”, bez „/” na końcu, tylko litery, cyfry, „_”, „-”, „.”'],
  [
    /^must not start with "(.*)", a path of the worker itself/,
    (m) => `nie może zaczynać się od „${m[1]}”, ścieżki samego workera: wybierz inną nazwę, np. „/_e”`,
  ],
  [/^contains "(.*)", which ad blockers/, (m) => `zawiera „${m[1]}”, które blokery reklam mają na listach: wybierz neutralną nazwę`],
  // The e-mail rule (worker/contact/email.ts), where a page shows it.
  [
    /^(?:(.+?) is not an e-mail address|must be a valid e-mail address)(?:: (.*))?$/,
    (m) => `${m[1] ? `${m[1]}: ` : ''}to nie jest adres e-mail${m[2] ? `: ${emailPl(m[2])}` : ''}`,
  ],
  [/^must be at least (\d+) characters long$/, (m) => `musi mieć co najmniej ${m[1]} znaków`],
  [/^is required when DOUBLE_OPT_IN is true$/, () => 'jest wymagane, gdy double opt-in jest włączone'],
  [/^is not an http\(s\) URL$/, () => 'nie jest adresem http(s)'],
  [/^must be "required" or "none"$/, () => 'musi być „required” albo „none”'],
];

/** The e-mail rule's precise reasons (worker/contact/email.ts emailProblem), in Polish. */
function emailPl(reason: string): string {
  const m = /^at most (\d+) characters( before the @)?$/.exec(reason);
  if (m) return m[2] ? `najwyżej ${m[1]} znaków przed @` : `najwyżej ${m[1]} znaków`;
  if (reason.startsWith('the part before the @ must be ASCII'))
    return 'część przed @ może zawierać tylko litery łacińskie bez znaków diakrytycznych, cyfry i symbole (SALESmanago nie wyśle e-maila na adres z innymi literami)';
  if (reason.startsWith('ASCII only')) return 'tylko znaki ASCII (domenę międzynarodową podaj w formie xn--)';
  if (reason.startsWith('no dot at the start')) return 'bez kropki na początku i końcu części przed @ i bez dwóch kropek z rzędu';
  if (reason.startsWith('the part before the @ has characters')) return 'część przed @ ma znaki, które wymagają cudzysłowu';
  return reason;
}

export function problemText(lang: Lang, problem: string): string {
  if (lang !== 'pl') return problem;
  for (const [re, say] of PROBLEMS_PL) {
    const m = re.exec(problem);
    if (m) return say(m);
  }
  return problem;
}
