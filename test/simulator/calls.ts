// What the simulator was asked: a bounded log of recent calls plus counters that never drop anything,
// so exactly-once checks can rely on the numbers even after the log has rolled over.
// Entries never hold request bodies, hence never the apiKey/sha.

export interface CallRecord {
  seq: number;
  /** Unix ms when the request was received. */
  at: number;
  path: string;
  /** HTTP status answered; 0 when the request was hung (never answered). */
  status: number;
  /** True when the method answered success:true. */
  ok: boolean;
  /** The injected fault, if any: hang | error | rate429 | malformed. */
  fault?: string;
  /** Items in the request: 1, or the batch length. */
  items: number;
  /** SALESmanago's messages when the call failed or partly failed. */
  messages?: string[];
}

export interface CallCounts {
  calls: number;
  ok: number;
  failed: number;
  byPath: Record<string, number>;
  faults: Record<string, number>;
}

export class CallLog {
  private entries: CallRecord[] = [];
  private seq = 0;
  private totals: CallCounts = emptyCounts();

  private readonly limit: number;

  constructor(limit = 10_000) {
    this.limit = limit;
  }

  record(entry: Omit<CallRecord, 'seq' | 'at'> & { at?: number }): CallRecord {
    const record: CallRecord = { seq: ++this.seq, at: entry.at ?? Date.now(), ...entry };
    if (record.messages && record.messages.length === 0) delete record.messages;
    this.entries.push(record);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    const totals = this.totals;
    totals.calls += 1;
    if (record.ok) totals.ok += 1;
    else totals.failed += 1;
    totals.byPath[record.path] = (totals.byPath[record.path] ?? 0) + 1;
    if (record.fault) totals.faults[record.fault] = (totals.faults[record.fault] ?? 0) + 1;
    return record;
  }

  /** Calls with seq greater than `seq`, oldest first (only those still in the bounded log). */
  since(seq = 0): CallRecord[] {
    return this.entries.filter((e) => e.seq > seq);
  }

  counts(): CallCounts {
    return structuredClone(this.totals);
  }

  /** Clears the log and counters; seq keeps growing so a reader's `since` never skips new calls. */
  reset(): void {
    this.entries = [];
    this.totals = emptyCounts();
  }
}

function emptyCounts(): CallCounts {
  return { calls: 0, ok: 0, failed: 0, byPath: {}, faults: {} };
}
