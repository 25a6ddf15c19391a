import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { englishWords } from '../i18n/english-words.js';
import { login, TEST_PASSWORD } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, manualClock, registerGateway, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const [GRID_A, GRID_B] = FIXTURE.grids as readonly [string, string, string];
/** The walk's screenshots, at phone and desktop size (the folder is not committed). */
const SCREENSHOTS = fileURLToPath(new URL('../../../screenshots/fire-walk/', import.meta.url));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
/** How long to wait for the cloud's own work (fast track, escalation, a stream): a busy machine is slow. */
const CLOUD_WORK = { timeout: 20_000 };

/** The people of the walk, each signing in as themselves. */
const PEOPLE = {
  operator: { username: 'fire.street.operator', name: '周调度', roles: [{ role: 'operator', scope: FIXTURE.street }] },
  worker: { username: 'fire.grid.worker', name: '张网格', roles: [{ role: 'grid_worker', scope: GRID_A }] },
  checker: { username: 'fire.grid.checker', name: '李核查', roles: [{ role: 'grid_worker', scope: GRID_A }] },
  other: { username: 'fire.other.worker', name: '王二网格', roles: [{ role: 'grid_worker', scope: GRID_B }] },
  callback: { username: 'fire.callback', name: '陈回访', roles: [{ role: 'callback_agent', scope: FIXTURE.street }] },
} as const;
type Person = keyof typeof PEOPLE;

/**
 * A fire as the people of the loop live it, each in their own browser: a smoke alarm from a
 * gateway, fast-tracked by the cloud, nobody on duty to take it; its dispatch limit passes and it
 * goes up to the street's centre, red and marked 紧急待派 at the top of the list; the street's
 * operator dispatches it to a grid worker of its grid, who signs for it and finishes it on a phone
 * and is not offered the check; another grid worker checks and passes it; the centre closes it
 * (超期办结, no light) and the callback agent calls back. Every page read in zh-CN, no English.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'a fire, walked through the loop in a browser'
    : `a fire, walked through the loop in a browser (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    // The cloud's own clock, so the dispatch limit can pass without waiting for it.
    const clock = manualClock(new Date().toISOString());
    const cloud = useTestCloud('postgres', { clock, deadlineSweepMs: 3_600_000 });
    let browser: Browser;
    const ids = {} as Record<Person, string>;
    /** What the pages' Content Security Policy refused: nothing. */
    const cspViolations: string[] = [];

    /** English words a person reads on the page, beyond the language switch. */
    const englishOn = async (page: Page) =>
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads
      englishWords(await page.locator('body').innerText()).filter((word) => word !== 'English');

    const shoot = async (page: Page, name: string) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
    };

    /** A person's own browser, signed in, on their incident list. */
    const signIn = async (person: Person, viewport: { width: number; height: number }): Promise<Page> => {
      const context = await browser.newContext({ viewport, locale: 'zh-CN' });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', PEOPLE[person].username);
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
      return page;
    };

    /** Opens the incident from the list, as a person would, and waits for its actions to be read. */
    const openFromList = async (page: Page, id: string) => {
      await page.locator(`#incident-list li.incident[data-id="${id}"] a`).click();
      await page.locator('.detail[aria-busy="false"] .head').waitFor();
    };

    /** The actions the page offers now. */
    const offered = (page: Page) =>
      page
        .locator('#actions > .buttons button')
        .evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-action')));

    /** Takes a step through its button and form, as the person would; waits for it on the timeline. */
    const take = async (page: Page, action: string, comment?: string) => {
      await page.click(`#actions button[data-action="${action}"]`);
      const form = page.locator(`form[data-action="${action}"]`);
      if (comment !== undefined) await form.locator('textarea[name=comment]').fill(comment);
      await form.locator('button[type=submit]').click();
      await page.locator(`#timeline li[data-action="${action}"]`).waitFor();
      await page.locator('#action-message.ok').waitFor();
    };

    beforeAll(async () => {
      await seedFixtureTerritory(new TerritoryStore(cloud().db));
      for (const [person, { username, name, roles }] of Object.entries(PEOPLE)) {
        const made = await api<{ id: string }>(cloud(), 'POST', '/api/v1/users', {
          token: TEST_ADMIN_TOKEN,
          body: {
            username,
            display_name: name,
            // Grid workers live in their grid's community; the others work for the street.
            territory_code: roles[0].role === 'grid_worker' ? FIXTURE.community : FIXTURE.street,
            password: TEST_PASSWORD,
            roles,
          },
        });
        expect(made.status, JSON.stringify(made.body)).toBe(201);
        ids[person as Person] = made.body.id;
      }
      // Grid A's roster: two grid workers, nobody on duty tonight (so the cloud finds nobody to
      // dispatch to) and no grid chief to fall back on.
      for (const [person, position] of [
        ['worker', 'full_time'],
        ['checker', 'part_time'],
      ] as const) {
        const member = await api(cloud(), 'PUT', `/api/v1/grids/${GRID_A}/members/${ids[person]}`, {
          token: TEST_ADMIN_TOKEN,
          body: { position },
        });
        expect(member.status, JSON.stringify(member.body)).toBe(200);
      }
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    it('takes a smoke alarm from the gateway to 超期办结 and its callback, each person in their own browser', async () => {
      // The tenant's policies the walk runs on: the cloud fast-tracks urgent IoT alerts and dispatches
      // what it can; callbacks are the callback agents'; a handler never checks their own fire.
      const dispatchSettings = await api(cloud(), 'GET', '/api/v1/settings/dispatch', { token: TEST_ADMIN_TOKEN });
      expect(dispatchSettings.body).toMatchObject({ auto_dispatch: true, fast_track_urgent_iot: true });
      const incidentSettings = await api(cloud(), 'GET', '/api/v1/settings/incidents', { token: TEST_ADMIN_TOKEN });
      expect(incidentSettings.body).toMatchObject({ callback: 'agents', self_check_categories: [] });

      // 1. The smoke alarm, as the gateway sends it: a batch of CloudEvents to its events API.
      const gateway = 'gw-320803-fire';
      const token = await registerGateway(cloud(), gateway, FIXTURE.community);
      const at = clock().toISOString();
      const alertId = `alert-fire-${Date.now()}`;
      const data: AlertPayload = {
        alert_id: alertId,
        rule_id: 'smoke.alarm',
        device_id: 'smoke-b3-u2-0401',
        state: 'active',
        severity: 'critical',
        category: 'emergency.fire',
        since: at,
        last_seen: at,
        occurrences: 1,
        message: { zh: '烟雾报警', en: 'Smoke alarm' },
        place: { community: FIXTURE.community, grid: GRID_A, building: '3', unit: '2', floor: 4, room: '0401' },
      };
      const event = createCloudEvent({
        id: `evt-fire-${Date.now()}`,
        type: 'cn.gridlink.alert.raised.v1',
        gatewayId: gateway,
        deviceId: 'smoke-b3-u2-0401',
        time: at,
        data,
        priority: 'alarm',
      }) as CloudEvent;
      const sent = await api<{ results: Array<{ status: string }> }>(
        cloud(),
        'POST',
        `/api/v1/gateways/${gateway}/events`,
        { token, rawBody: JSON.stringify([event]), contentType: 'application/cloudevents-batch+json' },
      );
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      expect(sent.body.results).toEqual([expect.objectContaining({ status: 'accepted' })]);

      // Fast-tracked (accepted and filed by the cloud), and nobody on duty: it waits for the centre.
      let id = '';
      await expect
        .poll(async () => {
          const { rows } = await cloud().db.query<{ id: string }>('SELECT id FROM incidents WHERE alert_id = $1', [
            alertId,
          ]);
          const found = rows[0] && (await cloud().incidents.get(rows[0].id));
          if (found?.state !== 'FILED') return false;
          id = found.id;
          return (await cloud().dispatch.decision(found.id, found.version))?.doneAt != null;
        }, CLOUD_WORK)
        .toBe(true);
      expect((await cloud().dispatch.decision(id, 3))?.reason).toBe('nobody_on_duty');
      expect((await cloud().incidents.steps(id)).map((step) => step.action)).toEqual(['report', 'accept', 'file']);
      expect(await cloud().incidents.get(id)).toMatchObject({ urgent: true, level: 'community', assignee: null });

      // The street's operator is at their desk, the list open, live.
      const operator = await signIn('operator', DESKTOP);
      const list = operator.locator('#incident-list');
      const row = list.locator(`li.incident[data-id="${id}"]`);
      await row.waitFor();
      expect(await row.locator('.light').getAttribute('data-light')).not.toBe('overdue');
      await expect.poll(() => cloud().dispatch.live.connected, CLOUD_WORK).toBeGreaterThanOrEqual(1);

      // 2. Its 10 minutes for dispatch pass: red, 红牌, and up to the street.
      clock.advance(11 * 60_000);
      await cloud().deadlines.sweep();
      await expect.poll(async () => (await cloud().incidents.get(id))?.level, CLOUD_WORK).toBe('street');
      // It reaches someone who can act: the street operator's page says so as it happens.
      await operator.locator('#toast').waitFor();
      await row.locator('.light[data-light="overdue"]').waitFor();

      // 3. At the top of the street's list, marked 紧急待派, red with since when and the new deadline.
      await operator.reload();
      await list.locator(`li.incident[data-id="${id}"]`).waitFor();
      expect(await list.locator('li.incident').first().getAttribute('data-id')).toBe(id);
      expect(await row.getAttribute('data-attention')).toBe('true');
      expect(await row.locator('.attention-band').textContent()).toContain('紧急待派');
      expect(await row.locator('.light').textContent()).toBe('超期');
      expect(await row.locator('.due').textContent()).toMatch(/^超期自 .+，现限 .+$/);
      expect(await row.locator('.tag.urgent').textContent()).toBe('加急');
      expect(await englishOn(operator)).toEqual([]);
      await shoot(operator, '01-operator-list-desktop');

      // The detail header stays red after the escalation, though the street's clock started anew.
      await openFromList(operator, id);
      const head = operator.locator('.detail .head');
      expect(await head.locator('.light').getAttribute('data-light')).toBe('overdue');
      expect(await head.locator('.due').textContent()).toMatch(/^超期自 .+，现限 .+$/);
      expect(await operator.locator('#timeline li[data-action="overdue"] .deadline-change').textContent()).toContain(
        '超期升级至',
      );
      expect(await operator.locator('#timeline li[data-action="accept"]').textContent()).toContain('快速');
      expect(await englishOn(operator)).toEqual([]);
      await shoot(operator, '02-operator-detail-overdue-desktop');

      // 4. Anyone but an eligible grid worker or unit is refused, and the refusal says why, in Chinese.
      const operatorToken = await login(cloud(), PEOPLE.operator.username);
      for (const [assignee, why] of [
        ['fire-unit-999', /fire-unit-999/],
        [ids.other, new RegExp(PEOPLE.other.name)],
      ] as const) {
        const refused = await api<{
          code: string;
          title: string;
          detail: string;
          errors?: Array<{ pointer: string; detail: string }>;
        }>(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
          token: operatorToken,
          headers: { 'accept-language': 'zh-CN' },
          body: { action: 'dispatch', request_id: `fire-refused-${assignee}`, data: { assignee } },
        });
        expect(refused.status, JSON.stringify(refused.body)).toBe(400);
        expect(refused.body.code).toBe('GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE');
        expect(refused.body.title).toBe('承办对象不符合条件');
        const [field] = refused.body.errors ?? [];
        expect(field?.pointer).toBe('/data/assignee');
        // Why, naming who was asked for and whom it may go to (by name, not by id).
        expect(field?.detail).toMatch(why);
        expect(field?.detail).toContain(PEOPLE.worker.name);
        expect(englishWords(`${refused.body.title} ${refused.body.detail} ${field?.detail}`)).toEqual([]);
      }
      expect((await cloud().incidents.get(id))?.state).toBe('FILED');

      // 5. The operator dispatches through the picker: grid A's workers, not grid B's.
      await operator.click('#actions button[data-action="dispatch"]');
      const dispatch = operator.locator('form[data-action="dispatch"]');
      const picker = dispatch.locator('select[name=assignee]');
      await dispatch.locator(`option[value="${ids.worker}"]`).waitFor({ state: 'attached' });
      const choices = await picker
        .locator('option:not([value=""])')
        .evaluateAll((options) => options.map((option) => option.textContent?.trim()));
      expect(choices.sort()).toEqual([PEOPLE.checker.name, PEOPLE.worker.name].sort());
      await shoot(operator, '03-operator-dispatch-picker-desktop');
      // A page out of date offers grid B's worker: the refusal shows beside the picker, in Chinese.
      await operator.evaluate(`document.querySelector('form[data-action="dispatch"] select[name=assignee]').appendChild(
        Object.assign(document.createElement('option'), { value: '${ids.other}', textContent: '${PEOPLE.other.name}' }))`);
      await picker.selectOption(ids.other);
      await dispatch.locator('button[type=submit]').click();
      const fieldError = dispatch.locator('.field-error');
      await fieldError.waitFor();
      expect(await fieldError.textContent()).toContain(PEOPLE.other.name);
      expect(await operator.locator('#action-message').textContent()).toMatch(/^操作被拒绝：/);
      expect(await englishOn(operator)).toEqual([]);
      await shoot(operator, '04-operator-dispatch-refused-desktop');
      await picker.selectOption(ids.worker);
      await dispatch.locator('button[type=submit]').click();
      await operator.locator('#incident-state', { hasText: '待签收' }).waitFor();
      expect(await operator.locator('.facts dd.assignee').textContent()).toContain(PEOPLE.worker.name);
      expect(await englishOn(operator)).toEqual([]);

      // 6. The grid worker, on a phone: signs for it, finishes it with what was done.
      const worker = await signIn('worker', PHONE);
      await worker.locator(`#incident-list li.incident[data-id="${id}"]`).waitFor();
      expect(await englishOn(worker)).toEqual([]);
      await shoot(worker, '05-worker-list-phone');
      await openFromList(worker, id);
      await take(worker, 'sign');
      await worker.locator('#incident-state', { hasText: '处置中' }).waitFor();
      await shoot(worker, '06-worker-signed-phone');
      await take(worker, 'finish', '已到场，确认为厨房油烟触发，无明火；已开窗通风，烟感复位正常。');
      await worker.locator('#incident-state', { hasText: '待核查' }).waitFor();
      // Separation of duties: who handled it is not offered its check.
      expect(await offered(worker)).not.toContain('startCheck');
      expect(await worker.locator('#timeline li[data-action="finish"]').textContent()).toContain('烟感复位正常');
      expect(await englishOn(worker)).toEqual([]);
      await shoot(worker, '07-worker-finished-no-check-phone');

      // 7. Another grid worker of the grid checks it on site and passes it.
      const checker = await signIn('checker', PHONE);
      await openFromList(checker, id);
      expect(await offered(checker)).toContain('startCheck');
      await take(checker, 'startCheck');
      await take(checker, 'pass', '现场复核：烟感正常，无火情隐患。');
      await checker.locator('#incident-state', { hasText: '待结案' }).waitFor();
      expect(await englishOn(checker)).toEqual([]);
      await shoot(checker, '08-checker-passed-phone');

      // 8. The centre closes it: late (its dispatch limit passed), no light.
      // The operator's page, open since the dispatch, follows: it is waiting for the centre now.
      await operator.locator('#incident-state', { hasText: '待结案' }).waitFor();
      await operator.locator('#actions button[data-action="close"]').waitFor();
      await take(operator, 'close');
      await operator.locator('#incident-state', { hasText: '已结案' }).waitFor();
      await head.locator('.light[data-light="late"]', { hasText: '超期办结' }).waitFor();
      expect(await head.locator('.due').count()).toBe(0);
      expect(await operator.locator('.facts dd.deadline').textContent()).toBe('超期办结');
      // The callback is the callback agents' (the tenant's policy), not the operator's.
      expect(await offered(operator)).not.toContain('callbackSatisfied');
      expect(await englishOn(operator)).toEqual([]);
      await shoot(operator, '09-operator-closed-late-desktop');
      await operator.click('a.back');
      await operator.click('.tab[data-tab="done"]');
      const closedRow = list.locator(`li.incident[data-id="${id}"]`);
      await closedRow.waitFor();
      expect(await closedRow.locator('.light').textContent()).toBe('超期办结');
      expect(await closedRow.locator('.due').count()).toBe(0);
      await shoot(operator, '10-operator-done-list-desktop');

      // 9. The callback agent calls the resident back and records it.
      // A closed incident waiting on its callback is still to do for them: under 待办, not 已办.
      const agent = await signIn('callback', DESKTOP);
      await agent.locator(`#incident-list li.incident[data-id="${id}"][data-state="CLOSED"]`).waitFor();
      expect(await agent.locator('.tab[data-tab="todo"]').getAttribute('aria-selected')).toBe('true');
      expect(await englishOn(agent)).toEqual([]);
      await shoot(agent, '11-callback-todo-desktop');
      await openFromList(agent, id);
      expect(await offered(agent)).toEqual(expect.arrayContaining(['callbackSatisfied', 'callbackUnsatisfied']));
      await take(agent, 'callbackSatisfied', '住户表示网格员到场及时，满意。');
      await agent.locator('#incident-state', { hasText: '已评价' }).waitFor();
      expect(await agent.locator('#timeline li[data-action="callbackSatisfied"]').textContent()).toContain('满意');
      expect(await englishOn(agent)).toEqual([]);
      await shoot(agent, '12-callback-recorded-desktop');

      // 10. The whole timeline, as the grid worker reads it afterwards on the phone.
      // Their page, open since they finished, has followed every step since.
      await worker.locator('#timeline li[data-action="callbackSatisfied"]').waitFor();
      expect(await worker.locator('#incident-state').textContent()).toBe('已评价');
      const timeline = await worker
        .locator('#timeline > li')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-action')));
      expect(timeline.reverse()).toEqual(
        expect.arrayContaining(['report', 'accept', 'file', 'overdue', 'dispatch', 'sign', 'finish', 'close']),
      );
      expect(await englishOn(worker)).toEqual([]);
      await shoot(worker, '13-worker-timeline-phone');

      expect(cspViolations).toEqual([]);
      for (const page of [operator, worker, checker, agent]) await page.context().close();
    }, 120_000);
  },
);
