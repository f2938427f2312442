// Known automated clients. Their beacons are dropped (and counted) rather than sent to SALESmanago,
// where they would show up as visits of anonymous people.
//
// "HeadlessChrome" is deliberately NOT listed: automated storefront tests (including this project's
// own end-to-end tests in headless Chromium) are real browser sessions the shop wants to observe.
const BOT_TOKENS = [
  // Crawlers name themselves "...bot/1.0", "...Bot-Something", "...bot;", "(...bot)".
  'bot[/;)\\-_ ]',
  'bot$',
  'crawl',
  'spider',
  'slurp',
  'archiver',
  'facebookexternalhit',
  'embedly',
  'link ?preview',
  'outbrain',
  'w3c_validator',
  'lighthouse',
  'pagespeed',
  'gtmetrix',
  'pingdom',
  'uptimerobot',
  'statuscake',
  'site24x7',
  'phantomjs',
  'headless',
  'prerender',
  'python-requests',
  'python-urllib',
  'aiohttp',
  'go-http-client',
  'java/',
  'okhttp',
  'libwww-perl',
  'curl/',
  'wget/',
  'httpclient',
  'scrapy',
  'node-fetch',
  'axios/',
  'feedfetcher',
  'mediapartners-google',
  'adsbot',
  'bingpreview',
  'semrush',
  'ahrefs',
  'bytespider',
];
const BOT_PATTERN = new RegExp(BOT_TOKENS.join('|'), 'i');

export function isBotUserAgent(userAgent: string | undefined): boolean {
  if (!userAgent) return false;
  // Admitted on purpose: headless Chrome (see above) and CUBOT phones, whose model name ends in "bot".
  const ua = userAgent.replace(/HeadlessChrome/g, 'Chrome').replace(/cubot/gi, 'phone');
  return BOT_PATTERN.test(ua);
}
