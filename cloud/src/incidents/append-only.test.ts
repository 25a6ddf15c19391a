import { describe, expect, it } from 'vitest';
import { BACKENDS, manualClock } from '../test-support.js';
import { IncidentEngine } from './engine.js';
import { useIncidentDatabase } from './test-database.js';

describe.each(BACKENDS)('step records and evidence are append-only (%s)', (backend) => {
  const db = useIncidentDatabase(backend);
  const clock = manualClock();

  async function reported() {
    const engine = new IncidentEngine(db(), clock);
    const { incident } = await engine.report({
      requestId: `append-only-${Math.random()}`,
      source: 'patrol',
      category: 'environment',
      title: 'Garbage exposed at the east gate',
      actor: 'gw-zhang',
      role: 'grid_worker',
    });
    return incident;
  }

  it('refuses to change or delete a step', async () => {
    const incident = await reported();
    await expect(
      db().query("UPDATE incident_steps SET actor = 'someone-else' WHERE incident_id = $1", [incident.id]),
    ).rejects.toMatchObject({ message: 'incident_steps is append-only', code: '23001' });
    await expect(db().query('DELETE FROM incident_steps WHERE incident_id = $1', [incident.id])).rejects.toMatchObject({
      code: '23001',
    });
  });

  it("lets the time limits set a step's deadline and light, and nothing else", async () => {
    const incident = await reported();
    const updated = await db().query(
      "UPDATE incident_steps SET deadline = $2, light = 'yellow' WHERE incident_id = $1 AND seq = 1",
      [incident.id, new Date('2026-11-25T10:00:00.000Z')],
    );
    expect(updated.rowCount).toBe(1);
    await expect(
      db().query("UPDATE incident_steps SET light = 'red', comment = 'late' WHERE incident_id = $1", [incident.id]),
    ).rejects.toMatchObject({ code: '23001' });
  });

  it('refuses to change or delete evidence', async () => {
    const incident = await reported();
    await db().query(
      `INSERT INTO incident_evidence (incident_id, kind, source_key, occurred_at, recorded_at)
       VALUES ($1, 'alert_cleared', 'test#1', now(), now())`,
      [incident.id],
    );
    await expect(
      db().query("UPDATE incident_evidence SET kind = 'x' WHERE incident_id = $1", [incident.id]),
    ).rejects.toMatchObject({
      message: 'incident_evidence is append-only',
    });
    await expect(
      db().query('DELETE FROM incident_evidence WHERE incident_id = $1', [incident.id]),
    ).rejects.toMatchObject({
      code: '23001',
    });
  });
});
