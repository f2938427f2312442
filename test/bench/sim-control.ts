// The simulator's HTTP control surface (contract C) as the benchmarks use it.
import type { CallRecord, FaultConfig } from '../simulator/server.ts';

async function control(simulatorUrl: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${simulatorUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`simulator ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

/** Replaces the fault configuration ({} = no faults). */
export async function setFaults(simulatorUrl: string, faults: FaultConfig): Promise<void> {
  await control(simulatorUrl, '/__sim/faults', faults);
}

export async function callsSince(simulatorUrl: string, seq: number): Promise<CallRecord[]> {
  return (await control(simulatorUrl, `/__sim/calls?since=${seq}`)) as CallRecord[];
}

/** The sequence number of the latest call, to count calls made after this point. */
export async function lastCallSeq(simulatorUrl: string): Promise<number> {
  const calls = await callsSince(simulatorUrl, 0);
  return calls.at(-1)?.seq ?? 0;
}
