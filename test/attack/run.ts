// npm run attack: the full attack suite (about 10,000 requests) against a fresh local stack on free
// ports; prints the table for docs/security.md and exits non-zero when a goal is missed.
// `--scale=S` multiplies the requests, `--rounds=N` splits them over N rounds (2 by default), the heap
// read after each: `--scale=2 --rounds=8` shows whether it levels off (docs/security.md).
import { startStack } from '../stack/stack.ts';
import { ATTACK_VARS, reportTable, runAttack } from './attack.ts';

const scale = Number(process.argv.find((a) => a.startsWith('--scale='))?.slice(8) ?? 1);
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 2);
const stack = await startStack({ vars: { ...ATTACK_VARS } });
let failed = true;
try {
  const report = await runAttack(stack, scale, { rounds });
  console.log(reportTable(report));
  for (const line of [...report.serverErrorSamples, ...report.unexpected]) console.log(`  ${line}`);
  console.log('\nstatuses per class:', JSON.stringify(report.classes));
  failed = report.serverErrors > 0 || report.consentChanges > 0 || report.profileChanges > 0 || report.legitimateFailed > 0 || report.unexpected.length > 0;
} finally {
  await stack.stop();
}
process.exit(failed ? 1 : 0);
