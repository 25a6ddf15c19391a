import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep a screenshot of each page the test visits. */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;

const [GRID_A, GRID_B] = FIXTURE.grids;
/** A 1×1 PNG: a photo as far as the cloud and the browser are concerned. */
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * End to end in a real browser (Debian's Chromium driven by playwright-core) on a phone-sized
 * screen: a grid worker signs in, sees only their grid's incidents, a new one dispatched to them
 * appears live, they sign for it and the step record shows the step.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the web pages in a browser'
    : `the web pages in a browser (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres');
    let browser: Browser;
    let operator = '';
    const titles = { mine: '楼道堆物占用消防通道', other: '二网格井盖缺失', live: '单元门禁损坏' };
    const cspViolations: string[] = [];

    const report = async (title: string, grid: string, request: string) => {
      const response = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: operator,
        body: {
          request_id: request,
          source: 'hotline_12345',
          category: 'other',
          title,
          community: FIXTURE.community,
          grid,
        },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body.incident.id;
    };

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    };

    beforeAll(async () => {
      await createUser(cloud(), 'web-operator', { roles: [{ role: 'operator', scope: FIXTURE.street }] });
      // A grid member lives in the grid's community.
      const worker = await createUser(cloud(), 'web-worker', {
        territory: FIXTURE.community,
        roles: [{ role: 'grid_worker', scope: GRID_A }],
      });
      await createUser(cloud(), 'web-locked', { roles: [{ role: 'grid_worker', scope: GRID_A }] });
      operator = await login(cloud(), 'web-operator');
      const unit = await api(cloud(), 'POST', '/api/v1/disposal-units', {
        token: TEST_ADMIN_TOKEN,
        body: {
          id: 'unit-water',
          name_zh: '自来水公司',
          name_en: 'Water company',
          unit_type: 'water_company',
          territory_code: FIXTURE.street,
        },
      });
      expect(unit.status, JSON.stringify(unit.body)).toBe(201);
      // On duty in grid A around now, so automatic dispatch sends grid A's filed incidents to them.
      const member = await api(cloud(), 'PUT', `/api/v1/grids/${GRID_A}/members/${worker.id}`, {
        token: TEST_ADMIN_TOKEN,
        body: { position: 'full_time' },
      });
      expect(member.status, JSON.stringify(member.body)).toBe(200);
      const duty = await api(cloud(), 'POST', `/api/v1/grids/${GRID_A}/duty-periods`, {
        token: TEST_ADMIN_TOKEN,
        body: {
          user_id: worker.id,
          starts_at: new Date(Date.now() - 3_600_000).toISOString(),
          ends_at: new Date(Date.now() + 86_400_000).toISOString(),
        },
      });
      expect(duty.status, JSON.stringify(duty.body)).toBe(201);
      // The areas the KPI page's map draws.
      await seedFixtureTerritory(new TerritoryStore(cloud().db));
      await report(titles.mine, GRID_A, 'web-mine');
      await report(titles.other, GRID_B, 'web-other');
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    /** A page in a context of its own (closed with `page.context().close()`), watched for CSP violations. */
    const openPage = async (viewport: { width: number; height: number }, sink = cspViolations) => {
      const context = await browser.newContext({ viewport, locale: 'zh-CN' });
      await watchCsp(context, sink);
      return context.newPage();
    };
    const phone = () => openPage({ width: 390, height: 844 });
    const desktop = (sink?: string[]) => openPage({ width: 1280, height: 900 }, sink);

    /** Picks an option of an Element Plus select (the dispatchers' desktop pages). */
    const choose = async (page: Page, select: string, option: string | RegExp) => {
      await page.click(`.${select} .el-select__wrapper`);
      const item = page.locator('.el-select-dropdown__item:visible', { hasText: option }).first();
      await item.click();
      await item.waitFor({ state: 'hidden' });
    };

    // Whatever a test did, no page it opened may have had anything refused by the policy. Taken
    // out as they are checked, so a violation fails the test that caused it, not every later one.
    afterEach(() => {
      expect(cspViolations.splice(0)).toEqual([]);
    });

    it('sees what the Content Security Policy refuses on any page it opens (an inline script)', async () => {
      const seen: string[] = [];
      const page = await desktop(seen);
      await page.goto(cloud().url);
      await page.addScriptTag({ content: 'document.title = "inline";' }).catch(() => undefined);
      await expect
        .poll(() => seen.filter((line) => line.startsWith('securitypolicyviolation')))
        .toEqual([`securitypolicyviolation on ${cloud().url}/: script-src-elem refused inline`]);
      expect(await page.title()).toBe('网格联动 Gridlink');
      await page.context().close();
    });

    it('says plainly when the password is wrong and when the account is locked', async () => {
      const page = await phone();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'web-locked');
      await page.fill('input[name=password]', 'not the password');
      await page.click('button[type=submit]');
      await page.locator('#login-message', { hasText: '用户名或密码错误' }).waitFor();
      // Four more failures lock the username (the default policy: 5 in 15 minutes).
      for (let i = 0; i < 4; i++) {
        const failed = await api(cloud(), 'POST', '/api/v1/sessions', {
          body: { username: 'web-locked', password: `wrong ${i}` },
        });
        expect(failed.status).toBe(401);
      }
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      const locked = page.locator('#login-message', { hasText: '账号已暂时锁定' });
      await locked.waitFor();
      expect(await locked.textContent()).toMatch(/请 \d+ 秒后再试/);
      await shoot(page, 'login-locked');
      await page.context().close();
    }, 60_000);

    it('shows a grid worker their grid only, a new incident live, and the step they take', async () => {
      const page = await phone();
      await page.goto(cloud().url);
      await expect(page.title()).resolves.toBe('网格联动 Gridlink');
      await page.fill('input[name=username]', 'web-worker');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');

      const list = page.locator('#incident-list');
      await list.locator('li.incident', { hasText: titles.mine }).waitFor();
      expect(await list.textContent()).not.toContain(titles.other);
      await page.locator('#live-status.on').waitFor();
      await shoot(page, 'list');

      // A change that notifies nobody (the operator accepts) reaches the row on the incident stream.
      const mine = await list.locator('li.incident', { hasText: titles.mine }).getAttribute('data-id');
      const accepted = await api(cloud(), 'POST', `/api/v1/incidents/${mine}/transitions`, {
        token: operator,
        body: { action: 'accept', request_id: 'web-mine-accept' },
      });
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
      await list.locator(`li.incident[data-id="${mine}"][data-state="ACCEPTED"]`).waitFor({ timeout: 5_000 });

      // Reported, accepted and filed by the operator: dispatch sends it to the worker on duty and
      // their page hears of it on the live stream (the list's own refresh is a minute away).
      const id = await report(titles.live, GRID_A, 'web-live');
      for (const action of ['accept', 'file']) {
        const moved = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
          token: operator,
          body: { action, request_id: `${id}-${action}` },
        });
        expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      }
      const row = list.locator(`li.incident[data-id="${id}"][data-state="DISPATCHED"]`);
      await row.waitFor({ timeout: 15_000 });
      await page.locator('#toast', { hasText: titles.live }).waitFor();
      expect(await row.locator('.light').getAttribute('data-light')).toMatch(
        /^(green|yellow|red|overdue|on_time|late|none)$/,
      );
      await shoot(page, 'list-live');

      await row.locator('a').click();
      const sign = page.locator('#actions button[data-action="sign"]');
      await sign.waitFor();
      // Exactly what the state machine lets a grid worker do with a dispatched incident.
      const offered = await page
        .locator('#actions > .buttons button')
        .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-action')));
      expect(offered.sort()).toEqual(['return', 'sign']);
      await sign.click();
      await page.fill('form[data-action="sign"] textarea[name=comment]', '已签收，马上到场');
      await page.click('form[data-action="sign"] button[type=submit]');
      await page.locator('#timeline li[data-action="sign"]', { hasText: '已签收，马上到场' }).waitFor();
      expect(await page.locator('#incident-state').textContent()).toBe('处置中');
      expect(await page.locator('#action-message').textContent()).toContain('签收');
      await shoot(page, 'detail-signed');

      const incident = await cloud().incidents.get(id);
      expect(incident?.state).toBe('IN_PROGRESS');

      // The English switch.
      await page.click('button.lang');
      await page.locator('#incident-state', { hasText: 'In progress' }).waitFor();
      await page.click('a.back');
      await list.locator(`li.incident[data-id="${id}"] .state`, { hasText: 'In progress' }).waitFor();
      await shoot(page, 'list-english');
      expect(cspViolations).toEqual([]);
      await page.context().close();
    }, 90_000);

    it('lets a dispatcher register a 12345 call (一口受理) and read and export the month’s KPIs', async () => {
      const page = await desktop();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'web-operator');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list li.incident').first().waitFor();
      await page.click('nav a[href="#/intake"]');
      await choose(page, 'select-source', '12345 热线');
      await choose(page, 'select-category', /^其他$/);
      await page.fill('input[name=title]', '居民来电：楼上漏水');
      await page.fill('textarea[name=description]', '3 栋 2 单元 1201 漏水至 1101');
      // Grid B has nobody on duty: the incident waits for the dispatcher once filed. Found by name.
      await page.click('.select-place .el-select__wrapper');
      await page.locator('.select-place input').fill('第2网格');
      const place = page.locator('.el-select-dropdown__item:visible', { hasText: '河下社区第2网格' });
      await place.click();
      await place.waitFor({ state: 'hidden' });
      await page.fill('input[name=building]', '3');
      await page.fill('input[name=unit]', '2');
      await shoot(page, 'intake');
      await page.click('form.intake button[type=submit]');
      await page.locator('.detail h1', { hasText: '居民来电：楼上漏水' }).waitFor();
      const reported = await page.locator('#timeline li[data-action="report"]').textContent();
      expect(reported).toContain('指挥中心');
      // The operator may accept, send to verify, reject or merge a reported incident (and supervise it).
      const offered = await page
        .locator('#actions > .buttons button')
        .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-action')));
      expect(offered.sort()).toEqual(['accept', 'merge', 'needVerify', 'reject', 'supervise']);
      // The step forward is loud, side steps quiet, and the ones that end the incident red.
      const weights = await page
        .locator('#actions > .buttons button')
        .evaluateAll((buttons) => Object.fromEntries(buttons.map((b) => [b.dataset.action, b.dataset.weight])));
      expect(weights).toEqual({
        accept: 'primary',
        needVerify: 'secondary',
        supervise: 'secondary',
        reject: 'destructive',
        merge: 'destructive',
      });
      expect(await page.locator('#actions button[data-action="accept"]').getAttribute('class')).toContain(
        'van-button--primary',
      );
      expect(await page.locator('#actions button[data-action="reject"]').getAttribute('class')).toContain(
        'van-button--danger',
      );
      // 不予受理 asks first; cancelling leaves the incident as it was.
      await page.click('#actions button[data-action="reject"]');
      await page.click('form[data-action="reject"] button[type=submit]');
      const confirm = page.locator('.confirm-destructive');
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain('不予受理');
      await shoot(page, 'detail-confirm-reject');
      await confirm.locator('button', { hasText: '取消' }).click();
      await confirm.waitFor({ state: 'hidden' });
      expect(await page.locator('#incident-state').textContent()).toBe('上报');
      expect(await page.locator('#timeline li[data-action="reject"]').count()).toBe(0);
      await shoot(page, 'detail-operator');
      const take = async (action: string, fill?: Record<string, string>) => {
        await page.click(`#actions button[data-action="${action}"]`);
        for (const [name, value] of Object.entries(fill ?? {})) {
          await page.fill(`form[data-action="${action}"] [name=${name}]`, value);
        }
        await page.click(`form[data-action="${action}"] button[type=submit]`);
        await page.locator(`#timeline li[data-action="${action}"]`).waitFor();
      };
      await take('accept');
      await take('file');
      await page.click('#actions button[data-action="dispatch"]');
      // The units the dispatcher may send work to are offered, as a choice (not an id to type).
      await page.locator('form[data-action="dispatch"] select[name=assignee] option[value="unit-water"]').waitFor({
        state: 'attached',
      });
      await shoot(page, 'dispatch-form');
      await page.selectOption('form[data-action="dispatch"] select[name=assignee]', 'unit-water');
      await page.click('form[data-action="dispatch"] button[type=submit]');
      await page.locator('#timeline li[data-action="dispatch"]').waitFor();
      expect(await page.locator('#incident-state').textContent()).toBe('待签收');

      // A fire-lane camera's alert: its snapshot is a reference on the gateway, shown as such.
      const at = new Date().toISOString();
      const alert = await cloud().incidents.fromAlert(
        createCloudEvent({
          id: `evt-web-${Date.now()}`,
          type: 'cn.gridlink.alert.raised.v1',
          gatewayId: 'gw-320803-001',
          deviceId: 'cam-lane-01',
          time: at,
          priority: 'alarm',
          data: {
            alert_id: `alert-web-${Date.now()}`,
            rule_id: 'fire-lane-blocked',
            device_id: 'cam-lane-01',
            state: 'active',
            severity: 'major',
            category: 'safety.fire_lane',
            since: at,
            last_seen: at,
            occurrences: 1,
            message: { zh: '3号楼消防通道占用', en: 'Fire lane blocked at building 3' },
            place: { community: FIXTURE.community, building: '3' },
            evidence: { snapshot_ref: 'media/cam-lane-01/1.jpg', dwell_s: 1860 },
          },
        }) as CloudEvent,
      );
      expect(alert).toHaveProperty('incident');
      const camera = (alert as { incident: { id: string } }).incident.id;
      await page.goto(`${cloud().url}/#/incidents/${camera}`);
      const snapshot = page.locator('.evidence .snapshot[data-ref="media/cam-lane-01/1.jpg"]');
      await snapshot.waitFor();
      expect(await snapshot.textContent()).toContain('抓拍图片引用');
      await shoot(page, 'detail-camera');
      // The evidence names its device by place; the raw references are one tap away.
      expect(await page.locator('.evidence .meta .name').first().textContent()).toBe('3号楼 设备');
      expect(await snapshot.locator('code').count()).toBe(0);
      await snapshot.locator('button.code-toggle').click();
      expect(await snapshot.locator('code').textContent()).toBe('media/cam-lane-01/1.jpg');

      await page.click('nav a[href="#/kpis"]');
      // The page opens on the current month (China's calendar), not the last one.
      const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
      await page.locator('.select-month', { hasText: `${month}（本月）` }).waitFor();
      await page.click('.group-by [data-group="grid"]');
      await page.locator('.kpi-table table tbody tr').first().waitFor();
      expect(await page.locator('.kpi-table thead').first().textContent()).toContain('按期结案率');
      // The on-time rate as a chart, drawn by ECharts loaded for this page only.
      await page.locator('.kpi-chart canvas').first().waitFor();
      expect(await page.locator('.scroll-hint').textContent()).toContain('左右滑动');
      // The grids on a map drawn from the territory's GeoJSON alone: one shape per area, no tiles.
      await expect.poll(() => page.locator('.kpi-map path.area-grid').count()).toBe(FIXTURE.grids.length);
      expect(await page.locator('.kpi-map .leaflet-tile').count()).toBe(0);
      await shoot(page, 'kpis');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('form.kpi-form button.export-csv'),
      ]);
      expect(download.suggestedFilename()).toBe(`kpi-scope-${month}-01.csv`);
      // Under the table, the patrol sheet of the same month: one row per grid worker in scope.
      await page.locator('.patrol-kpis .patrol-kpi-grid tbody tr').first().waitFor();
      expect(await page.locator('.patrol-kpis thead').first().textContent()).toContain('巡查到位率');
      await page.locator('.patrol-kpis').scrollIntoViewIfNeeded();
      await shoot(page, 'kpis-patrol');
      const [patrolSheet] = await Promise.all([
        page.waitForEvent('download'),
        page.click('.patrol-kpis button.export-patrol-csv'),
      ]);
      expect(patrolSheet.suggestedFilename()).toBe(`patrol-kpi-scope-${month}-01.csv`);
      expect(cspViolations).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('shows the API’s refusal when the incident changed meanwhile (a concurrency conflict), then reads it again', async () => {
      const page = await phone();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'web-worker');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      const id = await report('垃圾满溢', GRID_A, 'web-conflict');
      for (const action of ['accept', 'file']) {
        await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
          token: operator,
          body: { action, request_id: `${id}-${action}` },
        });
      }
      await page.locator(`li.incident[data-id="${id}"][data-state="DISPATCHED"]`).waitFor({ timeout: 15_000 });
      await page.goto(`${cloud().url}/#/incidents/${id}`);
      await page.locator('#actions button[data-action="sign"]').click();
      // The centre supervises it (督办) while this page still shows the version before.
      const supervised = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
        token: operator,
        body: { action: 'supervise', request_id: `${id}-supervise` },
      });
      expect(supervised.status, JSON.stringify(supervised.body)).toBe(200);
      await page.click('form[data-action="sign"] button[type=submit]');
      const message = page.locator('#action-message.error');
      await message.waitFor();
      expect(await message.textContent()).toMatch(
        // In the page's language: the page sends it, the cloud writes its problems in it.
        /^操作被拒绝：事件已被他人更新（现为第 \d+ 版），请刷新后再决定$/,
      );
      // The page reads the incident again: the supervision shows, and signing is still offered.
      await page.locator('.facts dd', { hasText: '普通督办' }).waitFor();
      await page.locator('#actions button[data-action="sign"]').waitFor();
      await shoot(page, 'detail-conflict');
      await page.context().close();
    }, 60_000);

    it('lets a grid worker close self-handled work on the photos before and after, uploaded from the page', async () => {
      const worker = await login(cloud(), 'web-worker');
      const id = await report('路面坑洼（自行处置）', GRID_A as string, 'web-photos');
      const selfHandled = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
        token: worker,
        body: { action: 'selfHandle', request_id: `${id}-self` },
      });
      expect(selfHandled.status, JSON.stringify(selfHandled.body)).toBe(200);

      const page = await phone();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'web-worker');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list li.incident').first().waitFor();
      await page.goto(`${cloud().url}/#/incidents/${id}`);
      await page.click('#actions button[data-action="close"]');
      const form = page.locator('form[data-action="close"]');
      // The step requires a photo before and one after: a picker for each, with its tag.
      expect(await form.locator('input[type=file]').evaluateAll((inputs) => inputs.map((i) => i.dataset.tag))).toEqual([
        'before',
        'after',
      ]);
      await form
        .locator('input[data-tag="before"]')
        .setInputFiles({ name: '处置前.png', mimeType: 'image/png', buffer: PIXEL });
      await form
        .locator('input[data-tag="after"]')
        .setInputFiles({ name: '处置后.png', mimeType: 'image/png', buffer: PIXEL });
      await form.locator('textarea[name=comment]').fill('井盖已更换');
      await form.locator('button[type=submit]').click();
      const closed = page.locator('#timeline li[data-action="close"]', { hasText: '井盖已更换' });
      await closed.waitFor();
      expect(await page.locator('#incident-state').textContent()).toBe('已结案');
      // The thumbnails load from the cloud itself (img-src 'self'), through links for this user.
      const thumbs = closed.locator('img.thumb');
      await expect
        .poll(() =>
          thumbs.evaluateAll((images) => images.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth)),
        )
        .toEqual([1, 1]);
      expect(
        await closed.locator('figure.attachment').evaluateAll((figures) => figures.map((f) => f.dataset.tag)),
      ).toEqual(['before', 'after']);
      await shoot(page, 'detail-closed-with-photos');
      const step = (await cloud().incidents.steps(id)).at(-1);
      expect(step).toMatchObject({ action: 'close', attachments: [{ tag: 'before' }, { tag: 'after' }] });
      expect(cspViolations).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('fits a phone: a one-line header, filters folded away, 待办/已办 tabs with counts and a bottom tab bar', async () => {
      const page = await phone();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'web-worker');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list li.incident').first().waitFor();
      // Nothing in the header wraps ("实/时", "退/出" stacked was the bug): one line, each item one line.
      const header = await page.locator('header.top').boundingBox();
      expect(header?.height).toBeLessThan(64);
      for (const item of await page.locator('header.top .who > *').all()) {
        const box = await item.boundingBox();
        if (box) expect(box.height).toBeLessThan(36);
      }
      // Five selects would take a quarter of the screen: folded behind 筛选 until asked for.
      expect(await page.locator('#filters').isVisible()).toBe(false);
      await page.click('.filter-toggle');
      await page.locator('#filters select[name=state]').waitFor();
      await page.click('.filter-toggle');
      await page.locator('#filters').waitFor({ state: 'hidden' });
      expect(await page.locator('.tab[data-tab="todo"] .count').textContent()).toMatch(/^\d+$/);
      expect(await page.locator('.tab[data-tab="done"] .count').textContent()).toMatch(/^\d+$/);
      await page.locator('.tabbar [data-tab="/me"]').click();
      await page.locator('.me', { hasText: 'Test web-worker' }).waitFor();
      await page.locator('.tabbar [data-tab="/incidents"]').click();
      await page.locator('#incident-list li.incident').first().waitFor();
      await page.context().close();
    }, 60_000);

    it('keeps the list shown when the network fails, says so in words, and reads it again on 重试', async () => {
      const page = await desktop();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'web-operator');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      const rows = page.locator('#incident-list li.incident');
      await rows.first().waitFor();
      const shown = await rows.count();
      const dropped = /\/api\/v1\/incidents\?/;
      await page.route(dropped, (route) => route.abort('internetdisconnected'));
      await page.click('.refresh');
      const error = page.locator('.load-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('网络连接失败');
      expect(await error.textContent()).not.toContain('TypeError');
      expect(await error.textContent()).toMatch(/显示的是 .+ 的内容/);
      expect(await rows.count()).toBe(shown);
      await page.unroute(dropped);
      await error.locator('button.retry').click();
      await error.waitFor({ state: 'detached' });
      expect(await rows.count()).toBeGreaterThanOrEqual(shown);
      await page.context().close();
    }, 60_000);

    it('saves a step taken offline and sends it, once, when the network is back', async () => {
      const id = await report('楼道灯不亮（离线签收）', GRID_A as string, 'web-offline');
      for (const action of ['accept', 'file']) {
        const moved = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
          token: operator,
          body: { action, request_id: `${id}-${action}` },
        });
        expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      }
      const page = await phone();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'web-worker');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list li.incident').first().waitFor();
      await page.goto(`${cloud().url}/#/incidents/${id}`);
      await page.locator('#actions button[data-action="sign"]').click();
      await page.fill('form[data-action="sign"] textarea[name=comment]', '地下室无信号，先签收');
      await page.context().setOffline(true);
      await page.click('form[data-action="sign"] button[type=submit]');
      await page.locator('#action-message.info', { hasText: '当前离线' }).waitFor();
      expect((await cloud().incidents.get(id))?.state).toBe('DISPATCHED');
      await page.context().setOffline(false);
      await page.locator('#timeline li[data-action="sign"]', { hasText: '地下室无信号，先签收' }).waitFor();
      await page.locator('#action-message.ok', { hasText: '离线保存的操作已提交' }).waitFor();
      expect(await page.locator('#incident-state').textContent()).toBe('处置中');
      const signs = (await cloud().incidents.steps(id)).filter((step) => step.action === 'sign');
      expect(signs).toHaveLength(1);
      await page.context().close();
    }, 60_000);

    it('previews the photos picked, lets one be removed, and compresses a large phone photo before upload', async () => {
      const id = await report('绿化带积水（附照片）', GRID_A as string, 'web-compress');
      for (const action of ['accept', 'file']) {
        await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
          token: operator,
          body: { action, request_id: `${id}-${action}` },
        });
      }
      const page = await phone();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'web-worker');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list li.incident').first().waitFor();
      await page.goto(`${cloud().url}/#/incidents/${id}`);
      await page.locator('#actions button[data-action="sign"]').click();
      // A 4000×3000 photo of noise, as a phone's camera makes them: several megabytes of PNG.
      const big = Buffer.from(
        await page.evaluate<string>(`(async () => {
          const canvas = document.createElement('canvas');
          canvas.width = 4000;
          canvas.height = 3000;
          const context = canvas.getContext('2d');
          const image = context.createImageData(4000, 3000);
          for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 2654435761) % 251;
          context.putImageData(image, 0, 0);
          const blob = await new Promise((done) => canvas.toBlob(done, 'image/png'));
          const bytes = new Uint8Array(await blob.arrayBuffer());
          let text = '';
          for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          return btoa(text);
        })()`),
        'base64',
      );
      expect(big.length).toBeGreaterThan(1_000_000);
      const form = page.locator('form[data-action="sign"]');
      await form.locator('input[type=file]').setInputFiles([
        { name: 'IMG_0001.png', mimeType: 'image/png', buffer: big },
        { name: 'small.png', mimeType: 'image/png', buffer: PIXEL },
      ]);
      await expect.poll(() => form.locator('.preview img').count(), { timeout: 20_000 }).toBe(2);
      await form.locator('.preview .remove[aria-label*="small.png"]').click();
      await expect.poll(() => form.locator('.preview img').count()).toBe(1);
      await shoot(page, 'photo-preview');
      await form.locator('button[type=submit]').click();
      await page.locator('#timeline li[data-action="sign"] figure.attachment').waitFor({ timeout: 20_000 });
      const worker = await login(cloud(), 'web-worker');
      const files = await api<{ attachments: Array<{ media_type: string; size_bytes: number; name: string }> }>(
        cloud(),
        'GET',
        `/api/v1/incidents/${id}/attachments`,
        { token: worker },
      );
      expect(files.body.attachments).toHaveLength(1);
      expect(files.body.attachments[0]).toMatchObject({ media_type: 'image/jpeg', name: 'IMG_0001.jpg' });
      expect(files.body.attachments[0]?.size_bytes).toBeLessThan(big.length);
      await page.context().close();
    }, 90_000);

    it('installs the phone pages’ shell: a service worker caches it, and the pages open with no network', async () => {
      const page = await phone();
      await page.goto(cloud().url);
      await page.locator('form.login').waitFor();
      const manifest = await page.locator('link[rel=manifest]').getAttribute('href');
      expect(manifest).toBe('/manifest.webmanifest');
      // Registered on load, installed once it cached the shell, controlling the page after claim.
      expect(await page.evaluate('navigator.serviceWorker.ready.then((r) => r.active.scriptURL)')).toBe(
        `${cloud().url}/sw.js`,
      );
      await expect.poll(() => page.evaluate('Boolean(navigator.serviceWorker.controller)')).toBe(true);
      await page.context().setOffline(true);
      await page.reload();
      await page.locator('form.login input[name=username]').waitFor();
      await page.fill('input[name=username]', 'web-worker');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      // No network: signing in says so in words.
      await page.locator('#login-message', { hasText: '网络连接失败' }).waitFor();
      await page.context().setOffline(false);
      await page.context().close();
    }, 60_000);

    it('asks the API for the list the filters describe, not a page filtered in the browser', async () => {
      const page = await desktop();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'web-operator');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      const list = page.locator('#incident-list');
      await list.locator('li.incident', { hasText: titles.mine }).waitFor();
      await page.locator(`select[name=grid] option[value="${GRID_B}"]`).waitFor({ state: 'attached' });
      const [asked] = await Promise.all([
        page.waitForRequest(
          (request) => request.url().includes('/api/v1/incidents?') && request.url().includes('grid='),
        ),
        page.selectOption('select[name=grid]', GRID_B as string),
      ]);
      expect(new URL(asked.url()).searchParams.get('grid')).toBe(GRID_B);
      await list.locator('li.incident', { hasText: titles.mine }).waitFor({ state: 'detached' });
      expect(await list.textContent()).toContain(titles.other);
      const [again] = await Promise.all([
        page.waitForRequest((request) => request.url().includes('severity=critical')),
        page.selectOption('select[name=severity]', 'critical'),
      ]);
      expect(new URL(again.url()).searchParams.get('grid')).toBe(GRID_B);
      await list.locator('li.empty').waitFor();
      // The choices stay for the next visit to the list: clear them.
      await page.selectOption('select[name=severity]', '');
      await page.selectOption('select[name=grid]', '');
      expect(cspViolations).toEqual([]);
      await page.context().close();
    }, 60_000);
  },
);
