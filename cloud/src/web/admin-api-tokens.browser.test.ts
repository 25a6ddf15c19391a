import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditOf } from '../people/audit.js';
import { createUser, TEST_PASSWORD } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep a screenshot of each state the test visits. */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

/**
 * A user's API tokens on the users page in a real browser: a district admin opens an integration
 * user's tokens (none yet), creates one — shown once, with a warning and a copy button, and
 * accepted by the cloud — sees it listed masked, revokes it after confirming, and sees a failed
 * list with its retry.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the API tokens of a user on the users page'
    : `the API tokens of a user on the users page (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('pglite');
    let browser: Browser;
    const cspViolations: string[] = [];
    let integrationId = '';

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
    };
    const signIn = async (viewport: { width: number; height: number }): Promise<Page> => {
      const context = await browser.newContext({ viewport, locale: 'zh-CN' });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: cloud().url });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'tokens-admin');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
      await page.goto(`${cloud().url}/#/admin/users`);
      await page.locator('.users-page[aria-busy="false"] tr[data-username="nodered.hexia"]').waitFor();
      return page;
    };
    const openTokens = async (page: Page) => {
      await page.locator('tr[data-username="nodered.hexia"] .api-tokens-link').click();
      await page.locator('.api-tokens-dialog .api-tokens[aria-busy="false"]').waitFor();
    };

    beforeAll(async () => {
      await seedFixtureTerritory(new TerritoryStore(cloud().db));
      await createUser(cloud(), 'tokens-admin', {
        territory: FIXTURE.district,
        roles: [{ role: 'district_admin', scope: FIXTURE.district }],
      });
      integrationId = (
        await createUser(cloud(), 'nodered.hexia', {
          territory: FIXTURE.community,
          roles: [{ role: 'operator', scope: FIXTURE.community }],
        })
      ).id;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });
    afterEach(() => {
      expect(cspViolations).toEqual([]);
    });

    for (const [device, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      it(`creates a token shown once, lists it masked and revokes it (${device})`, async () => {
        const page = await signIn(viewport);
        await openTokens(page);
        const rows = page.locator('.tokens-table tbody tr');
        const before = await rows.count();
        if (before === 0) await shoot(page, `api-tokens-empty-${device}`);

        await page.fill('.token-form input[name=token_name]', `Node-RED 河下社区 ${device}`);
        await page.click('.create-token');
        const secret = page.locator('.issued-secret');
        await secret.waitFor();
        const token = (await secret.textContent())?.trim() ?? '';
        expect(token).toMatch(/^glt_[A-Za-z0-9_-]{43}$/);
        await page.click('.copy-token');
        await page.locator('.copy-token', { hasText: '已复制' }).waitFor();
        expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token);
        await expect.poll(() => rows.count()).toBe(before + 1);
        await shoot(page, `api-tokens-created-${device}`);

        // The token acts as the integration user.
        const me = await api<{ id: string }>(cloud(), 'GET', '/api/v1/me', { token });
        expect(me.body.id).toBe(integrationId);

        // Closed and opened again: the secret is gone, only its hint is listed.
        await page.click('.close-tokens');
        await page.locator('.api-tokens-dialog').waitFor({ state: 'hidden' });
        await openTokens(page);
        expect(await page.locator('.issued-secret').count()).toBe(0);
        const row = page.locator('.tokens-table tbody tr', { hasText: `Node-RED 河下社区 ${device}` });
        expect(await row.textContent()).toContain(`glt_…${token.slice(-4)}`);
        expect(await page.locator('.api-tokens-dialog').textContent()).not.toContain(token);

        page.once('dialog', (dialog) => void dialog.accept());
        await row.locator('.revoke-token').click();
        await page
          .locator('.tokens-table tbody tr[data-state="revoked"]', { hasText: `Node-RED 河下社区 ${device}` })
          .waitFor();
        await shoot(page, `api-tokens-revoked-${device}`);
        expect((await api(cloud(), 'GET', '/api/v1/me', { token })).status).toBe(401);
        await page.context().close();
      }, 60_000);
    }

    it('shows the list loading, then its failure with a retry', async () => {
      for (const [device, viewport] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        const page = await signIn(viewport);
        let release: () => void = () => {};
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        await page.route('**/api/v1/users/*/api-tokens', async (route) => {
          await held;
          await route.fulfill({
            status: 503,
            contentType: 'application/problem+json',
            body: JSON.stringify({
              type: 'about:blank',
              code: 'GL_DATABASE_UNAVAILABLE',
              title: '数据库不可用',
              status: 503,
              detail: '数据库暂时不可用，请稍后重试',
            }),
          });
        });
        await page.locator('tr[data-username="nodered.hexia"] .api-tokens-link').click();
        await page.locator('.api-tokens-dialog .api-tokens[aria-busy="true"] .el-skeleton').waitFor();
        await shoot(page, `api-tokens-loading-${device}`);
        release();
        await page.locator('.api-tokens-dialog .load-error').waitFor();
        expect(await page.locator('.api-tokens-dialog .load-error').textContent()).toContain('数据库');
        await shoot(page, `api-tokens-error-${device}`);
        await page.context().close();
      }
      const audit = await auditOf(cloud().db, `user:${integrationId}`);
      expect(audit.filter((r) => r.action === 'api_token.create')).toHaveLength(2);
      expect(audit.filter((r) => r.action === 'api_token.revoke')).toHaveLength(2);
    }, 60_000);
  },
);
