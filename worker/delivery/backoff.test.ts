import { describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import type { Env } from '../env.ts';
import { MAX_DELAY_S, retryDelay, unconfiguredDelay } from './backoff.ts';

const top = () => 0.999_999;
const bottom = () => 0;

describe('retryDelay', () => {
  it('doubles from 30 s with 50-100 % jitter, and stops growing at 1 h', () => {
    expect(retryDelay(1, undefined, top)).toBe(30);
    expect(retryDelay(1, undefined, bottom)).toBe(15);
    expect(retryDelay(2, undefined, top)).toBe(60);
    expect(retryDelay(10, undefined, top)).toBe(3600);
    expect(retryDelay(10, undefined, bottom)).toBe(1800);
  });

  it('never comes sooner than Retry-After, and never later than the queue allows', () => {
    expect(retryDelay(1, 120, top)).toBe(120);
    expect(retryDelay(1, 10 ** 9, top)).toBe(MAX_DELAY_S);
  });

  it('follows DELIVERY_RETRY_BASE_S, capped at 120 times it', () => {
    const { retryBaseS } = readConfig({ DELIVERY_RETRY_BASE_S: '2' } as Env);
    expect(retryBaseS).toBe(2);
    expect(retryDelay(1, undefined, top, retryBaseS)).toBe(2);
    expect(retryDelay(3, undefined, top, retryBaseS)).toBe(8);
    expect(retryDelay(15, undefined, top, retryBaseS)).toBe(240);
    expect(readConfig({} as Env).retryBaseS).toBe(30);
  });

  it('names a retry base or a timeout it cannot use, instead of using it silently', () => {
    const config = readConfig({ DELIVERY_RETRY_BASE_S: '0', SALESMANAGO_TIMEOUT_MS: 'slow' } as Env);
    expect(config.retryBaseS).toBe(1);
    expect(config.catalog.timeoutMs).toBe(30_000);
    expect(config.problems).toContainEqual({ name: 'DELIVERY_RETRY_BASE_S', problem: 'must be from 1 to 3600 seconds; using 1' });
    expect(config.problems).toContainEqual({ name: 'SALESMANAGO_TIMEOUT_MS', problem: 'must be a whole number of milliseconds (100 to 120000); using 30000' });
  });

  it('waits long while SALESmanago is not configured', () => {
    expect(unconfiguredDelay(1)).toBe(600);
    expect(unconfiguredDelay(30)).toBe(MAX_DELAY_S);
  });
});
