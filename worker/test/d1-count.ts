// Test-only: a D1 binding that counts what reaches the database: round trips (each
// prepare().run/all/first/raw and each batch()) and the statements they carry.
/** The database with counters; with `fail`, every round trip fails (D1 unavailable). */
export function countedLedger(db: D1Database, options: { fail?: boolean } = {}): { db: D1Database; roundTrips: () => number; statements: () => number } {
  let roundTrips = 0;
  let statements = 0;
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop, receiver) {
        if (prop === 'bind') return (...args: unknown[]) => wrap(target.bind(...args));
        if (prop === 'run' || prop === 'all' || prop === 'first' || prop === 'raw') {
          return (...args: unknown[]) => {
            roundTrips += 1;
            statements += 1;
            if (options.fail) return Promise.reject(new Error('D1 unavailable (test)'));
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
  const counted = new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => wrap(target.prepare(sql));
      if (prop === 'batch')
        return (list: D1PreparedStatement[]) => {
          roundTrips += 1;
          statements += list.length;
          if (options.fail) return Promise.reject(new Error('D1 unavailable (test)'));
          return target.batch(list);
        };
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: counted, roundTrips: () => roundTrips, statements: () => statements };
}
