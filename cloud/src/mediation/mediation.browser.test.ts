import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { api, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where screenshots go when asked for (phone 390×844 and desktop 1366×768, empty, loading and error states too). */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const STREET = '320803001';
const COMMUNITY = `${STREET}001`;
const GRID = `${COMMUNITY}001`;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };
/** A small PDF: the signed agreement, scanned. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n', 'latin1');

/**
 * Mediation as it is used in the field: a grid worker who is also the community's people's
 * mediator (人民调解员) opens a case from a dispute incident on a phone, adds both parties,
 * records the session and the agreement with its signed document; the list shows the case with
 * the parties masked. Empty, loading and error states are shown at both sizes too.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the mediation pages (browser)'
    : `the mediation pages (browser) (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres', { projectionSettleMs: 0 });
    let browser: Browser;
    let incidentId = '';
    const cspViolations: string[] = [];

    beforeAll(async () => {
      await cloud().db.query(
        `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
          ('320803', 'district', NULL, '淮安区', NULL), ($1, 'street', '320803', '河下街道', NULL),
          ($2, 'community', $1, '古镇社区', NULL), ($3, 'grid', $2, '古镇第一网格', NULL)
         ON CONFLICT (code) DO NOTHING`,
        [STREET, COMMUNITY, GRID],
      );
      await createUser(cloud(), 'md-chen', {
        roles: [
          { role: 'grid_worker', scope: GRID },
          { role: 'mediator', scope: COMMUNITY },
        ],
      });
      await createUser(cloud(), 'md-operator', { roles: [{ role: 'operator', scope: STREET }] });
      const reported = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: await login(cloud(), 'md-operator'),
        body: {
          request_id: 'md-browser-dispute',
          source: 'hotline_12345',
          category: 'dispute',
          title: '楼上装修噪音引发邻里纠纷',
          community: COMMUNITY,
          grid: GRID,
        },
      });
      expect(reported.status, JSON.stringify(reported.body)).toBe(201);
      incidentId = reported.body.incident.id;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
    });

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    };

    async function signIn(username: string, viewport: { width: number; height: number }) {
      const context = await browser.newContext({ viewport, locale: 'zh-CN' });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#live-status').waitFor();
      return { context, page };
    }

    it('shows the empty list at both sizes', async () => {
      for (const [size, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const { context, page } = await signIn('md-operator', viewport);
        await page.goto(`${cloud().url}/#/mediation`);
        await page.locator('.empty-state', { hasText: '暂无调解案件' }).waitFor();
        await shoot(page, `mediation-list-empty-${size}`);
        await context.close();
      }
    }, 90_000);

    it('lets a mediator on a phone open a case from the incident, add parties, a session and the agreement', async () => {
      const { context, page } = await signIn('md-chen', PHONE);
      await page.goto(`${cloud().url}/#/incidents/${encodeURIComponent(incidentId)}`);
      await page.locator('.md-open-link').click();
      await page.locator('.md-new').waitFor();
      await page.selectOption('select[name=dispute_type]', 'neighbour');
      await expect.poll(() => page.locator('select[name=mediator_id] option').count()).toBe(1);
      await page.fill('textarea[name=summary]', '楼上夜间装修，楼下老人无法休息');
      await page.locator('.md-new .md-primary').click();

      await page.locator('.md-case').waitFor();
      expect(page.url()).toMatch(/#\/mediation\/[0-9a-f-]{36}$/);
      const addParty = async (name: string, phone: string, role: string, id?: string) => {
        await page.fill('input[name=party_name]', name);
        await page.fill('input[name=party_phone]', phone);
        if (id) await page.fill('input[name=party_id_number]', id);
        await page.selectOption('select[name=party_role]', role);
        await page.check('input[name=party_consent]');
        await page.locator('.md-party-form .md-primary').click();
      };
      await addParty('张三', '13812341234', 'applicant', '110101199003071234');
      await page.locator('.md-party .md-masked', { hasText: '张* 138****1234 1101**********1234' }).waitFor();
      await addParty('李四', '13900001111', 'respondent');
      await expect.poll(() => page.locator('.md-party').count()).toBe(2);
      expect(await page.locator('.md-parties-list').textContent()).not.toContain('13812341234');

      await page.locator('.md-party').first().locator('.md-reveal').click();
      await page.locator('.md-revealed', { hasText: '张三 13812341234' }).waitFor();

      await page.fill('input[name=session_place]', '古镇社区调解室');
      await page.check('input[name=attendee] >> nth=0');
      await page.check('input[name=attendee] >> nth=1');
      await page.fill('textarea[name=session_notes]', '双方约定装修只在白天进行');
      await page.locator('.md-session-form .md-primary').click();
      await page.locator('.md-session', { hasText: '古镇社区调解室' }).waitFor();

      await page.selectOption('select[name=outcome]', 'agreement');
      await page.locator('.md-outcome-form .md-primary').click();
      await page.locator('.md-outcome', { hasText: '达成协议' }).waitFor();
      await page.setInputFiles('input[name=agreement]', {
        name: '调解协议书.pdf',
        mimeType: 'application/pdf',
        buffer: PDF,
      });
      await page.locator('.md-agreement-link').waitFor();
      await shoot(page, 'mediation-case-phone');
      expect(cspViolations).toEqual([]);

      await page.locator('.md-back').click();
      const row = page.locator('.md-row').first();
      await row.waitFor();
      expect(await row.textContent()).toContain('张* 138****1234');
      expect(await row.textContent()).toContain('李* 139****1111');
      expect(await row.textContent()).not.toContain('13812341234');
      await shoot(page, 'mediation-list-filled-phone');
      await context.close();
    }, 120_000);

    it('shows the case and the filtered list to the street’s operator at a desk', async () => {
      const { context, page } = await signIn('md-operator', DESKTOP);
      await page.goto(`${cloud().url}/#/mediation`);
      await page.locator('.md-row').first().waitFor();
      await page.selectOption('select[name=state]', 'closed');
      await page.selectOption('select[name=level]', 'people');
      await expect.poll(() => page.locator('.md-row').count()).toBe(1);
      await shoot(page, 'mediation-list-filled-desktop');
      await page.selectOption('select[name=dispute_type]', 'labour');
      await page.locator('.empty-state', { hasText: '没有符合筛选条件的案件' }).waitFor();
      await page.selectOption('select[name=dispute_type]', 'neighbour');
      await page.locator('.md-row-link').first().click();
      await page.locator('.md-case').waitFor();
      await page.locator('.md-agreement-link').waitFor();
      await shoot(page, 'mediation-case-desktop');
      await page.goto(`${cloud().url}/#/mediation/00000000-0000-4000-8000-000000000000`);
      await page.locator('.empty-state', { hasText: '没有这个调解案件' }).waitFor();
      expect(cspViolations).toEqual([]);
      await context.close();
    }, 90_000);

    it('shows the list loading, and a failed read with a retry', async () => {
      for (const [size, viewport] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        const { context, page } = await signIn('md-operator', viewport);
        let release: () => void = () => {};
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let fail = true;
        await page.route('**/api/v1/mediation/cases?*', async (route) => {
          await held;
          if (fail)
            await route.fulfill({
              status: 503,
              contentType: 'application/problem+json',
              body: JSON.stringify({
                status: 503,
                code: 'GL_DATABASE_UNAVAILABLE',
                detail: '数据库未能完成请求，请稍后重试',
              }),
            });
          else await route.continue();
        });
        await page.goto(`${cloud().url}/#/mediation`);
        await page.locator('.md-loading').waitFor();
        await shoot(page, `mediation-list-loading-${size}`);
        release();
        await page.locator('.load-error', { hasText: '数据库未能完成请求' }).waitFor();
        await shoot(page, `mediation-list-error-${size}`);
        fail = false;
        await page.locator('.load-error .retry').click();
        await page.locator('.md-row').first().waitFor();
        await context.close();
      }
    }, 90_000);
  },
);
