// The attack suite, bounded (a few hundred requests): runs in `npm test`; `npm run attack` is the full run.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../stack/stack.ts';
import { ATTACK_VARS, reportTable, runAttack } from './attack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ vars: { ...ATTACK_VARS } });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

it('hostile traffic: no 5xx, no consent or signed profile changed, no legitimate purchase failed', async () => {
  const report = await runAttack(stack, 0.05, { parallel: 8, deliveryTimeoutMs: 30_000, rounds: 2 });
  console.log(reportTable(report));
  expect(report.serverErrorSamples).toEqual([]);
  expect(report.serverErrors).toBe(0);
  expect(report.consentChanges).toBe(0);
  expect(report.profileChanges).toBe(0);
  expect(report.legitimate).toBeGreaterThan(0);
  expect(report.legitimateFailed).toBe(0);
  expect(report.unexpected).toEqual([]);
  // Memory: no growth from the first round (which warms the isolate up) to the second, beyond 1 MB.
  // Both figures are read after a confirmed collection (null otherwise), so neither may be missing.
  const [warm, after] = report.heapMb;
  expect(warm).toEqual(expect.any(Number));
  expect(after).toEqual(expect.any(Number));
  expect(after! - warm!).toBeLessThan(1);
}, 90_000);
