// The merchant's setup page in real Chromium: open it, click "Test callback URL", see success.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import { ROOT } from '../stack/processes.ts';
import { startStack, type Stack } from '../stack/stack.ts';
import { chromiumPath, launchChromium } from './chromium.ts';

describe.skipIf(!chromiumPath)('setup page in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('"Test callback URL" succeeds, and a screenshot is kept as a test artifact', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'merchant', password: LOCAL_SECRETS.ADMIN_PASSWORD },
      locale: 'pl-PL',
      viewport: { width: 1100, height: 900 },
    });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${stack.workerUrl}/setup`);
    expect(await page.locator('#test-callbacks').count()).toBe(1);
    await page.click('#test-callbacks');
    await page.waitForSelector('#test-callbacks-result');
    expect(await page.getAttribute('#test-callbacks-result', 'data-ok')).toBe('true');
    mkdirSync(`${ROOT}test-results`, { recursive: true });
    await page.screenshot({ path: `${ROOT}test-results/setup-page.png`, fullPage: true });
    expect(violations).toEqual([]);
    await context.close();
  });
});
