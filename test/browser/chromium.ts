// Real Chromium for the browser tests: Debian's `chromium`, driven by playwright-core (which never
// downloads a browser). Without it the browser tests are skipped with a visible notice, except under
// CI=true, where a missing browser fails the run.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];

export const chromiumPath = CANDIDATES.find((p) => existsSync(p)) ?? null;

if (!chromiumPath) {
  const message = 'Chromium not found (apt-get install -y chromium): browser tests are SKIPPED.';
  if (process.env.CI === 'true') throw new Error(`${message} Under CI=true this is a failure.`);
  console.warn(`\n*** ${message} ***\n`);
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumPath) throw new Error('Chromium is not installed');
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
