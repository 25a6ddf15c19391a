import { existsSync } from 'node:fs';
import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { FIXTURE } from '../territory/test-support.js';
import { api, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const [GRID_A, GRID_B] = FIXTURE.grids;
/** A 1×1 PNG: a photo as far as the cloud and the browser are concerned. */
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * The incident pages' work in a real browser: the time limit as the server reads it (overdue and
 * since when, closed on time), dispatch to the eligible only, recall with a reason, the centre's
 * alarm for urgent incidents nobody has, and the property's findings on site with a photo.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'incident work on the web pages'
    : `incident work on the web pages (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    // The cloud's own clock, so a limit can pass without waiting for it.
    const clock = manualClock(new Date().toISOString());
    const cloud = useTestCloud('postgres', { clock, deadlineSweepMs: 3_600_000 });
    let browser: Browser;
    let operator = '';
    let worker = '';
    let workerId = '';
    /** What the pages' Content Security Policy refused (the alarm's tone and title included): nothing. */
    const cspViolations: string[] = [];

    const report = async (request: string, body: Record<string, unknown>) => {
      const response = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: operator,
        body: {
          request_id: request,
          source: 'hotline_12345',
          category: 'other',
          community: FIXTURE.community,
          ...body,
        },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body.incident.id;
    };
    const act = async (id: string, action: string, token = operator, extra: Record<string, unknown> = {}) => {
      const response = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
        token,
        body: { action, request_id: `${id}-${action}`, ...extra },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    };
    const signIn = async (username: string, viewport = { width: 1280, height: 900 }): Promise<Page> => {
      const context = await browser.newContext({ viewport, locale: 'zh-CN' });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
      return page;
    };

    beforeAll(async () => {
      await createUser(cloud(), 'work-operator', { roles: [{ role: 'operator', scope: FIXTURE.street }] });
      const user = await createUser(cloud(), 'work-worker', {
        territory: FIXTURE.community,
        roles: [{ role: 'grid_worker', scope: GRID_A }],
      });
      workerId = user.id;
      await createUser(cloud(), 'work-property', {
        territory: FIXTURE.community,
        roles: [{ role: 'property_manager', scope: FIXTURE.community }],
      });
      operator = await login(cloud(), 'work-operator');
      worker = await login(cloud(), 'work-worker');
      for (const unit of [
        { id: 'unit-water', name_zh: '自来水公司', name_en: 'Water company', unit_type: 'water_company' },
        { id: 'unit-fire', name_zh: '消防救援站', name_en: 'Fire station', unit_type: 'fire_rescue' },
      ]) {
        const made = await api(cloud(), 'POST', '/api/v1/disposal-units', {
          token: TEST_ADMIN_TOKEN,
          body: { ...unit, territory_code: FIXTURE.street },
        });
        expect(made.status, JSON.stringify(made.body)).toBe(201);
      }
      const member = await api(cloud(), 'PUT', `/api/v1/grids/${GRID_A}/members/${workerId}`, {
        token: TEST_ADMIN_TOKEN,
        body: { position: 'full_time' },
      });
      expect(member.status, JSON.stringify(member.body)).toBe(200);
      const duty = await api(cloud(), 'POST', `/api/v1/grids/${GRID_A}/duty-periods`, {
        token: TEST_ADMIN_TOKEN,
        body: {
          user_id: workerId,
          starts_at: new Date(clock().getTime() - 3_600_000).toISOString(),
          ends_at: new Date(clock().getTime() + 86_400_000).toISOString(),
        },
      });
      expect(duty.status, JSON.stringify(duty.body)).toBe(201);
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    afterEach(() => {
      expect(cspViolations).toEqual([]);
    });

    it('keeps an overdue urgent incident red with since when and the new deadline, first in the list and marked 紧急待派; a closed one says 按期办结', async () => {
      // Closed within its limits.
      const closed = await report('work-closed', { title: '路灯不亮（按期办结）', grid: GRID_A });
      await act(closed, 'accept');
      await act(closed, 'file');
      await expect.poll(async () => (await cloud().incidents.get(closed))?.state).toBe('DISPATCHED');
      await act(closed, 'sign', worker);
      await act(closed, 'finish', worker);
      for (const action of ['startCheck', 'pass', 'close']) await act(closed, action);

      // Urgent, reported and dispatched to nobody: its limit passes twice and it goes up twice.
      const overdue = await report('work-overdue', {
        title: '烟感报警（超期）',
        category: 'emergency.fire',
        severity: 'critical',
        urgent: true,
        grid: GRID_B,
      });
      clock.advance(11 * 60_000);
      await cloud().deadlines.sweep();
      clock.advance(11 * 60_000);
      await cloud().deadlines.sweep();

      const page = await signIn('work-operator');
      const list = page.locator('#incident-list');
      const row = list.locator(`li.incident[data-id="${overdue}"]`);
      await row.waitFor();
      // First, marked, and counted for the alarm.
      expect(await list.locator('li.incident').first().getAttribute('data-id')).toBe(overdue);
      expect(await row.getAttribute('data-attention')).toBe('true');
      expect(await row.locator('.attention-band').textContent()).toContain('紧急待派');
      expect(await list.getAttribute('data-attention-count')).toBe('1');
      expect(await row.locator('.light').getAttribute('data-light')).toBe('overdue');
      expect(await row.locator('.due').textContent()).toMatch(/^超期自 .+，现限 .+$/);
      // Red: the light's colour is the red family, not another one.
      // (The page's code runs in the browser: a string, as this file builds without the DOM library.)
      const colour = await page.evaluate<string>(
        `getComputedStyle(document.querySelector('li.incident[data-id="${overdue}"] .light')).backgroundColor`,
      );
      const [r, g, b] = (colour.match(/\d+/g) ?? []).map(Number) as [number, number, number];
      expect(r).toBeGreaterThan(150);
      expect(g).toBeLessThan(60);
      expect(b).toBeLessThan(60);

      await row.locator('a').click();
      const head = page.locator('.detail .head');
      await head.waitFor();
      expect(await head.locator('.light').getAttribute('data-light')).toBe('overdue');
      expect(await head.locator('.due').textContent()).toMatch(/^超期自 .+，现限 .+$/);
      expect(await page.locator('.facts dd.deadline').textContent()).toMatch(/^超期自/);
      // Each escalation says on the timeline why the deadline moved.
      const moved = page.locator('#timeline li[data-action="overdue"] .deadline-change');
      expect(await moved.count()).toBe(2);
      expect(await moved.first().textContent()).toContain('超期升级至');
      expect(await page.locator('#timeline li[data-action="report"] .deadline-change').textContent()).toContain(
        '开始计时',
      );

      // Taken (filed, automatic dispatch sends it to the fire station): no longer needing attention.
      await act(overdue, 'accept');
      await act(overdue, 'file');
      await expect.poll(async () => (await cloud().incidents.get(overdue))?.assignee).toBe('unit-fire');
      await page.click('a.back');
      await list.locator(`li.incident[data-id="${overdue}"][data-state="DISPATCHED"]`).waitFor();
      await expect.poll(() => list.getAttribute('data-attention-count')).toBe('0');

      // The closed one: its outcome and no deadline.
      await page.click('.tab[data-tab="done"]');
      const done = list.locator(`li.incident[data-id="${closed}"]`);
      await done.waitFor();
      expect(await done.locator('.light').textContent()).toBe('按期办结');
      expect(await done.locator('.due').count()).toBe(0);
      await page.click('.tab[data-tab="todo"]');
      await page.goto(`${cloud().url}/#/incidents/${closed}`);
      await page.locator('.detail .head .light[data-light="on_time"]', { hasText: '按期办结' }).waitFor();
      expect(await page.locator('.detail .head .due').count()).toBe(0);
      await page.context().close();
    }, 90_000);

    it('dispatches only to whom the API lists (the on-duty worker first), says why a refusal is, and recalls only with a reason', async () => {
      const id = await report('work-dispatch', { title: '楼道漏水（撤回改派）', grid: GRID_A });
      await act(id, 'accept');
      await act(id, 'file');
      // Automatic dispatch gives it to grid A's worker on duty.
      await expect.poll(async () => (await cloud().incidents.get(id))?.state).toBe('DISPATCHED');

      const page = await signIn('work-operator');
      await page.goto(`${cloud().url}/#/incidents/${id}`);
      const recall = page.locator('#actions button[data-action="recall"]');
      await recall.waitFor();
      expect(await recall.getAttribute('data-weight')).toBe('destructive');
      await recall.click();
      const form = page.locator('form[data-action="recall"]');
      // No reason: the form says so beside the field, and nothing is asked or sent.
      await form.locator('button[type=submit]').click();
      await form.locator('.field-error', { hasText: '请填写撤回原因' }).waitFor();
      expect(await page.locator('.confirm-destructive').count()).toBe(0);
      await form.locator('textarea[name=comment]').fill('派错网格员，重新派遣');
      await form.locator('button[type=submit]').click();
      const confirm = page.locator('.confirm-destructive');
      await confirm.waitFor();
      await confirm.locator('button', { hasText: '撤回' }).click();
      await page.locator('#timeline li[data-action="recall"]', { hasText: '派错网格员，重新派遣' }).waitFor();
      expect(await page.locator('#incident-state').textContent()).toBe('待派遣');

      // Dispatch again: a picker of exactly the eligible, the on-duty worker marked and chosen.
      const eligible = await api<{ assignees: Array<{ id: string; on_duty: boolean }> }>(
        cloud(),
        'GET',
        `/api/v1/incidents/${id}/assignees`,
        { token: operator },
      );
      await page.click('#actions button[data-action="dispatch"]');
      const dispatch = page.locator('form[data-action="dispatch"]');
      const picker = dispatch.locator('select[name=assignee]');
      await dispatch.locator(`option[value="${workerId}"]`).waitFor({ state: 'attached' });
      const offered = await picker
        .locator('option:not([value=""])')
        .evaluateAll((options) => options.map((option) => option.getAttribute('value') ?? ''));
      expect(offered.sort()).toEqual(eligible.body.assignees.map((a) => a.id).sort());
      expect(offered).toContain('unit-water');
      expect(await picker.inputValue()).toBe(workerId);
      expect(await dispatch.locator(`option[value="${workerId}"]`).textContent()).toContain('值班');
      expect(await dispatch.locator('input[name=assignee]').count()).toBe(0);

      // Someone the API would not take (a page out of date): its refusal shows beside the picker.
      await page.evaluate(`document.querySelector('form[data-action="dispatch"] select[name=assignee]').appendChild(
        Object.assign(document.createElement('option'), { value: 'unit-nobody', textContent: '不存在的单位' }))`);
      await picker.selectOption('unit-nobody');
      await dispatch.locator('button[type=submit]').click();
      await dispatch.locator('.field-error').waitFor();
      expect(await page.locator('#action-message').textContent()).toMatch(/^操作被拒绝：/);
      expect((await cloud().incidents.get(id))?.state).toBe('FILED');

      await picker.selectOption('unit-water');
      await dispatch.locator('button[type=submit]').click();
      await page.locator('#timeline li[data-action="dispatch"]').last().waitFor();
      await expect.poll(() => page.locator('#incident-state').textContent()).toBe('待签收');
      expect((await cloud().incidents.get(id))?.assignee).toBe('unit-water');

      // 改派 needs a reason too.
      await page.click('#actions button[data-action="redispatch"]');
      const redispatch = page.locator('form[data-action="redispatch"]');
      expect(await redispatch.locator('textarea[name=comment]').getAttribute('aria-required')).toBe('true');
      await redispatch.locator('button[type=submit]').click();
      await redispatch.locator('.field-error', { hasText: '请填写改派原因' }).waitFor();
      await page.context().close();
    }, 90_000);

    it('lets the property manager acknowledge an incident in their community and report findings on site with a photo', async () => {
      const id = await report('work-property', { title: '小区车库积水', grid: GRID_B });
      const page = await signIn('work-property', { width: 390, height: 844 });
      // Their list is their community's; no alarm there (the property does not dispatch).
      await page.locator(`#incident-list li.incident[data-id="${id}"]`).waitFor();
      expect(await page.locator('#incident-list').getAttribute('data-attention-count')).toBe('0');
      await page.goto(`${cloud().url}/#/incidents/${id}`);
      await page.locator('#actions button[data-action="reportOnSite"]').waitFor();
      const offered = await page
        .locator('#actions > .buttons button')
        .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-action')));
      expect(offered).toEqual(expect.arrayContaining(['acknowledge', 'reportOnSite']));
      expect(await page.locator('#actions button[data-action="acknowledge"]').textContent()).toContain('已知悉');

      await page.click('#actions button[data-action="acknowledge"]');
      await page.click('form[data-action="acknowledge"] button[type=submit]');
      await page.locator('#timeline li[data-action="acknowledge"]').waitFor();

      await page.click('#actions button[data-action="reportOnSite"]');
      const form = page.locator('form[data-action="reportOnSite"]');
      // Neither words nor a photo: the form asks for one of them.
      await form.locator('button[type=submit]').click();
      await form.locator('.field-error', { hasText: '现场情况或添加至少一张照片' }).waitFor();
      await form.locator('input[type=file]').setInputFiles({ name: '车库.png', mimeType: 'image/png', buffer: PIXEL });
      await expect.poll(() => form.locator('.preview img').count()).toBe(1);
      await form.locator('button[type=submit]').click();
      const step = page.locator('#timeline li[data-action="reportOnSite"]');
      await step.locator('figure.attachment').waitFor();
      expect(await step.locator('strong').textContent()).toBe('现场反馈');
      const steps = await cloud().incidents.steps(id);
      expect(steps.at(-1)).toMatchObject({ action: 'reportOnSite', role: 'property_manager' });
      expect(steps.at(-1)?.attachments).toHaveLength(1);
      await page.context().close();
    }, 90_000);

    it('names the place, the assignee and who took each step, the codes one tap away', async () => {
      await cloud().db.query(
        `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
           ($1, 'district', NULL, '淮安区', NULL), ($2, 'street', $1, '淮城街道', NULL),
           ($3, 'community', $2, '河下社区', 'Hexia Community'), ($4, 'grid', $3, '河下社区第1网格', NULL)
         ON CONFLICT (code) DO NOTHING`,
        [FIXTURE.district, FIXTURE.street, FIXTURE.community, GRID_A],
      );
      const id = await report('work-names', { title: '楼道堆物（名称）', grid: GRID_A, building: '3', unit: '2' });
      await act(id, 'accept');
      await act(id, 'file');
      // Automatic dispatch gives it to grid A's worker on duty.
      await expect.poll(async () => (await cloud().incidents.get(id))?.assignee).toBe(workerId);

      const page = await signIn('work-operator');
      const row = page.locator(`#incident-list li.incident[data-id="${id}"]`);
      await row.waitFor();
      expect(await row.locator('.meta').textContent()).toContain('河下社区 · 河下社区第1网格 · 3号楼2单元');
      await page.goto(`${cloud().url}/#/incidents/${id}`);
      const place = page.locator('.facts dd.place');
      await place.waitFor();
      expect(await place.textContent()).toContain('河下社区');
      expect(await place.textContent()).toContain('河下社区第1网格');
      expect(await place.textContent()).toContain('3号楼2单元');
      expect(await place.textContent()).not.toContain(FIXTURE.community);
      const assignee = page.locator('.facts dd.assignee');
      expect(await assignee.textContent()).toContain('Test work-worker');
      expect(await assignee.textContent()).not.toContain(workerId);
      // The code is one tap away, and folds away again.
      const toggle = assignee.locator('button.code-toggle');
      await toggle.click();
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      expect(await assignee.locator('code').textContent()).toBe(workerId);
      await place.locator('button.code-toggle').first().click();
      expect(await place.locator('code').first().textContent()).toBe(FIXTURE.community);
      // The timeline names people (the reader as 我) and the system, not ids.
      expect(await page.locator('#timeline li[data-action="accept"] .named .name').textContent()).toBe('我');
      expect(await page.locator('#timeline li[data-action="dispatch"] .named .name').textContent()).toBe(
        '系统（自动派遣）',
      );
      expect(await page.locator('#timeline').textContent()).not.toContain('cloud:dispatch');

      // A device's title names the device by its place, not by its id (which the detail keeps).
      const at = clock().toISOString();
      const alert = await cloud().incidents.fromAlert(
        createCloudEvent({
          id: `evt-names-${Date.now()}`,
          type: 'cn.gridlink.alert.raised.v1',
          gatewayId: 'gw-320803-001',
          deviceId: 'smoke-b3-u2-0401',
          time: at,
          priority: 'alarm',
          data: {
            alert_id: `alert-names-${Date.now()}`,
            rule_id: 'smoke-alarm',
            device_id: 'smoke-b3-u2-0401',
            state: 'active',
            severity: 'major',
            category: 'safety.fire_lane',
            since: at,
            last_seen: at,
            occurrences: 1,
            message: { zh: 'smoke-b3-u2-0401 烟雾报警', en: 'smoke-b3-u2-0401 smoke alarm' },
            place: { community: FIXTURE.community, building: '3', unit: '2', floor: 4, room: '0401' },
          },
        }) as CloudEvent,
      );
      const device = (alert as { incident: { id: string } }).incident.id;
      await page.goto(`${cloud().url}/#/incidents/${device}`);
      await page.locator('.detail .head h1', { hasText: '3号楼2单元4楼 0401 烟雾报警' }).waitFor();
      expect(await page.locator('.facts').textContent()).toContain('smoke-b3-u2-0401');
      await page.click('a.back');
      await page
        .locator(`li.incident[data-id="${device}"] .title`, { hasText: '3号楼2单元4楼 0401 烟雾报警' })
        .waitFor();
      await page.context().close();
    }, 90_000);
  },
);
