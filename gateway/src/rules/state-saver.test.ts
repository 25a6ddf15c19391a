import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { testDataDir } from '../test-support.js';
import type { Instance } from './engine.js';
import { RuleStateSaver } from './state-saver.js';
import { type RuleStateChanges, RuleStateStore } from './state-store.js';

/** An idle threshold instance of rule `rule` on device `th-<n>`, as the engine keeps it. */
function instance(rule: string, n: number): Instance {
  return {
    key: `${rule}|th-${n}`,
    ruleId: rule,
    device: { id: `th-${n}`, kind: 'temp_humidity' },
    condition: { type: 'threshold', on: false, pendingSince: null, value: null },
    alert: null,
    values: {},
  } as Instance;
}

function instances(count: number): Instance[] {
  return Array.from({ length: count }, (_, n) => instance(`rule-${n % 31}`, Math.floor(n / 31)));
}

/** A real rules.db whose writes are recorded (and can be made to fail, as on a full disk). */
function recordedStore() {
  const path = join(testDataDir(), 'rules.db');
  const store = new RuleStateStore(path);
  const writes: RuleStateChanges[] = [];
  let failNext = false;
  const write = store.write.bind(store);
  store.write = (changes) => {
    if (failNext) {
      failNext = false;
      throw new Error('SQLITE_FULL: database or disk is full');
    }
    writes.push(changes);
    write(changes);
  };
  const rows = () => {
    const db = new Database(path, { readonly: true });
    const all = db.prepare('SELECT key, state FROM rule_instances ORDER BY key').all() as Array<{
      key: string;
      state: string;
    }>;
    db.close();
    return new Map(all.map((row) => [row.key, JSON.parse(row.state) as Instance]));
  };
  return { path, store, writes, rows, failNextWrite: () => (failNext = true) };
}

const FILES = [{ path: 'rules.yaml', rules: [] }] as never[];

describe('rule state saver', () => {
  it('writes only the instances that changed since the last save, and deletes those gone', () => {
    const { store, writes, rows } = recordedStore();
    const saver = new RuleStateSaver(store);
    const live = instances(3100);
    saver.saveNow(live, FILES, 1000);
    expect(writes.at(-1)?.rows).toHaveLength(3100);

    saver.saveNow(live, FILES, 2000);
    expect(writes.at(-1)).toMatchObject({ rows: [], removed: [], savedAt: 2000 });
    expect(writes.at(-1)?.files).toBeUndefined();

    (live[7] as Instance).condition = { type: 'threshold', on: true, pendingSince: 1500, value: 41 } as never;
    const gone = live.splice(12, 1)[0] as Instance;
    saver.saveNow(live, FILES, 3000);
    expect(writes.at(-1)?.rows.map(([key]) => key)).toEqual([(live[7] as Instance).key]);
    expect(writes.at(-1)?.removed).toEqual([gone.key]);

    const stored = rows();
    expect(stored.size).toBe(3099);
    expect(stored.get((live[7] as Instance).key)?.condition).toEqual({
      type: 'threshold',
      on: true,
      pendingSince: 1500,
      value: 41,
    });
    expect(stored.has(gone.key)).toBe(false);
    store.close();
  });

  it('a periodic save looks only at the instances the engine reports, and deletes those it reports dropped', async () => {
    const { store, writes, rows } = recordedStore();
    const saver = new RuleStateSaver(store);
    const live = instances(3100);
    await saver.saveChanges(() => ({ touched: live, dropped: [] }), FILES, 1000);
    expect(rows().size).toBe(3100);

    (live[3] as Instance).values = { temperature: 39 };
    (live[4] as Instance).values = { temperature: 38 }; // changed but not reported: not looked at
    await saver.saveChanges(
      () => ({ touched: [live[3] as Instance, live[5] as Instance], dropped: [live[9]?.key ?? ''] }),
      FILES,
      2000,
    );
    expect(writes.at(-1)?.rows.map(([key]) => key)).toEqual([(live[3] as Instance).key]);
    expect(writes.at(-1)?.removed).toEqual([(live[9] as Instance).key]);
    expect(rows().size).toBe(3099);
    store.close();
  });

  it('a periodic save writes a slice a turn: what arrives meanwhile (an alarm) is handled before the save ends', async () => {
    const { store, writes } = recordedStore();
    const saver = new RuleStateSaver(store, 1000);
    let saved = false;
    let handledDuringSave = false;
    setImmediate(() => {
      handledDuringSave = !saved;
    });
    await saver
      .saveAll(() => instances(3100), FILES, 1000)
      .then(() => {
        saved = true;
      });
    expect(handledDuringSave).toBe(true);
    expect(writes.map((w) => w.rows.length)).toEqual([1000, 1000, 1000, 100]);
    // The rule set goes with the first write only; what is gone is known once every slice is seen.
    expect(writes.map((w) => w.files !== undefined)).toEqual([true, false, false, false]);
    store.close();
  });

  it('a write that fails (a full disk) loses nothing: the next save writes what it could not', async () => {
    const { store, rows, failNextWrite } = recordedStore();
    const saver = new RuleStateSaver(store, 1000);
    const live = instances(2500);
    saver.saveNow(live, FILES, 1000);

    for (const changed of [live[5], live[1500]] as Instance[]) changed.values = { temperature: 45 };
    failNextWrite();
    expect(() => saver.saveNow(live, FILES, 2000)).toThrow(/disk is full/);
    expect(rows().get((live[5] as Instance).key)?.values).toEqual({});

    await saver.saveAll(() => live, FILES, 3000);
    expect(rows().get((live[5] as Instance).key)?.values).toEqual({ temperature: 45 });
    expect(rows().get((live[1500] as Instance).key)?.values).toEqual({ temperature: 45 });
    store.close();
  });

  it('a save at stop, while a periodic one is under way, writes everything and the periodic one stops', async () => {
    const { store, writes, rows } = recordedStore();
    const saver = new RuleStateSaver(store, 1000);
    const live = instances(3100);
    const periodic = saver.saveChanges(() => ({ touched: live, dropped: [] }), FILES, 1000);
    saver.saveNow(live, FILES, 1001);
    store.close();
    await periodic;
    expect(writes.map((w) => w.savedAt)).toEqual([1000, 1001]);
    expect(rows().size).toBe(3100);
  });

  it('after a restart, rows it loaded are not written again unless they change, and rules gone are deleted', () => {
    const first = recordedStore();
    new RuleStateSaver(first.store).saveNow(instances(100), FILES, 1000);
    first.store.close();

    const store = new RuleStateStore(first.path);
    const loaded = store.load();
    expect(loaded?.snapshot.instances).toHaveLength(100);
    const writes: RuleStateChanges[] = [];
    const write = store.write.bind(store);
    store.write = (changes) => {
      writes.push(changes);
      write(changes);
    };
    const saver = new RuleStateSaver(store);
    saver.remember(loaded?.snapshot.instances ?? [], loaded?.files ?? []);
    // The rule set no longer has rule-0: its instances are not in the engine any more.
    const kept = (loaded?.snapshot.instances ?? []).filter((i) => i.ruleId !== 'rule-0');
    saver.saveNow(kept, FILES, 2000);
    expect(writes[0]?.rows).toEqual([]);
    expect(writes[0]?.removed).toHaveLength(4);
    expect(store.load()?.snapshot.instances).toHaveLength(96);
    store.close();
  });
});
