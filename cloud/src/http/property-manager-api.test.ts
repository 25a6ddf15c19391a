import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../test-support.js';
import { COMMUNITY, GRID, STREET, useIncidentApi } from './incident-api-fixture.js';

const OTHER_COMMUNITY = '320803001002';
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('smoke in the stairwell')]);

/**
 * What a property manager (物业) does with the incidents of their own community (docs/domain.md §3):
 * acknowledges them, reports what they found on site with photos, and handles small things
 * themselves; a life-safety incident goes through the centre's loop, never self-handled. Scope is
 * checked on the server: another community's manager neither sees nor acts.
 */
describe.each(BACKENDS)('the property manager’s actions (%s)', (backend) => {
  const { cloud, tokens, ids, act, offered, report } = useIncidentApi(backend, 'pm', {
    operator: [{ role: 'operator', scope: STREET }],
    worker: [{ role: 'grid_worker', scope: GRID }],
    property: [{ role: 'property_manager', scope: COMMUNITY }],
    stranger: [{ role: 'property_manager', scope: OTHER_COMMUNITY }],
  });

  it('on a fire in their community: acknowledges and reports findings with photos through the loop, but may not self-handle it', async () => {
    const fire = await report('operator', 'pm-fire', { category: 'emergency.fire', urgent: true, title: '3 号楼冒烟' });
    expect(await offered(fire, 'property')).toEqual({ status: 200, actions: ['acknowledge', 'reportOnSite'] });

    const refused = await act('property', fire, { action: 'selfHandle', request_id: 'pm-fire-self' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'GL_FORBIDDEN' });

    expect((await act('property', fire, { action: 'acknowledge', request_id: 'pm-fire-ack' })).status).toBe(200);
    // Findings need something found: a comment or a photo.
    const empty = await act('property', fire, { action: 'reportOnSite', request_id: 'pm-fire-empty' });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'GL_VALIDATION_FAILED' });
    const photo = await fetch(`${cloud().url}/api/v1/incidents/${fire}/attachments?tag=on_site`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.property}`, 'content-type': 'image/jpeg' },
      body: JPEG,
    });
    expect(photo.status).toBe(201);
    const { id: photoId } = (await photo.json()) as { id: string };
    const findings = await act('property', fire, {
      action: 'reportOnSite',
      request_id: 'pm-fire-found',
      comment: '楼道有烟，已疏散 4 楼住户，消防通道畅通',
      attachments: [{ id: photoId }],
    });
    expect(findings.status, JSON.stringify(findings.body)).toBe(200);
    expect(findings.body).toMatchObject({ incident: { state: 'REPORTED' }, step: { role: 'property_manager' } });

    // Through the loop: still theirs to acknowledge and report on, never to sign or finish.
    for (const action of ['accept', 'file'])
      expect((await act('operator', fire, { action, request_id: `pm-fire-${action}` })).status).toBe(200);
    const dispatched = await act('operator', fire, {
      action: 'dispatch',
      request_id: 'pm-fire-dispatch',
      data: { assignee: ids.worker },
    });
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
    expect(await offered(fire, 'property')).toEqual({ status: 200, actions: ['acknowledge', 'reportOnSite'] });
  });

  it('self-handles a maintenance matter of their community and closes it on photos', async () => {
    const light = await report('property', 'pm-light', {
      category: 'device_maintenance.offline',
      urgent: false,
      severity: 'minor',
      title: '3 号楼烟感离线',
    });
    expect((await offered(light, 'property')).actions).toContain('selfHandle');
    expect((await act('property', light, { action: 'selfHandle', request_id: 'pm-light-self' })).status).toBe(200);
    expect((await offered(light, 'property')).actions).toEqual(['close', 'reportOnSite']);
  });

  it('attack: another community’s property manager neither sees nor acts on them', async () => {
    const leak = await report('operator', 'pm-leak', { category: 'emergency.gas_leak', urgent: true, title: '燃气味' });
    expect((await offered(leak, 'stranger')).status).toBe(404);
    const acted = await act('stranger', leak, { action: 'acknowledge', request_id: 'pm-leak-stranger' });
    expect(acted.status).toBe(404);
    expect(acted.body).toMatchObject({ code: 'GL_INCIDENT_NOT_FOUND' });
  });
});
