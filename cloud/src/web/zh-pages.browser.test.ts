import { existsSync } from 'node:fs';
import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { englishWords } from '../i18n/english-words.js';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** `createUser` names a user `Test <username>`. */
const DISPLAY_NAME = 'Test zh-operator';

/**
 * The pages read in zh-CN (the default) carry no English words beyond names, codes and the button
 * that switches to English: the list, an incident from a device alert with the cloud's own steps,
 * intake and the KPIs, as an operator sees them.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the web pages in Chinese'
    : `the web pages in Chinese (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres');
    let browser: Browser;
    let page: Page;
    let alertIncident = '';
    /** What the pages' Content Security Policy refused: nothing. */
    const cspViolations: string[] = [];

    /**
     * English words in the page's rendered text (collapsed raw data and hidden parts excluded), but
     * for the language switch (it names the other language) and the user's own name.
     */
    const words = async () => {
      const own = new Set(['English', ...DISPLAY_NAME.split(' ')]);
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads (collapsed raw data left out)
      return englishWords(await page.locator('body').innerText()).filter((word) => !own.has(word));
    };

    beforeAll(async () => {
      await seedFixtureTerritory(new TerritoryStore(cloud().db));
      await createUser(cloud(), 'zh-operator', { roles: [{ role: 'operator', scope: FIXTURE.street }] });
      const operator = await login(cloud(), 'zh-operator');
      const reported = await api(cloud(), 'POST', '/api/v1/incidents', {
        token: operator,
        body: {
          request_id: 'zh-report-1',
          source: 'hotline_12345',
          category: 'other',
          title: '楼道堆物',
          community: FIXTURE.community,
          grid: FIXTURE.grids[0],
        },
      });
      expect(reported.status, JSON.stringify(reported.body)).toBe(201);
      const at = new Date().toISOString();
      const alert = await cloud().incidents.fromAlert(
        createCloudEvent({
          id: 'evt-zh-1',
          type: 'cn.gridlink.alert.raised.v1',
          gatewayId: 'gw-320803-001',
          deviceId: 'smoke-b3-u2-0401',
          time: at,
          priority: 'alarm',
          data: {
            alert_id: 'alert-zh-1',
            rule_id: 'smoke.alarm',
            device_id: 'smoke-b3-u2-0401',
            state: 'active',
            severity: 'critical',
            category: 'emergency.fire',
            since: at,
            last_seen: at,
            occurrences: 1,
            message: { zh: '3号楼2单元烟感报警', en: 'Smoke alarm at building 3 unit 2' },
            place: { community: FIXTURE.community, grid: FIXTURE.grids[0], building: '3', unit: '2' },
          },
        }) as CloudEvent,
      );
      alertIncident = (alert as { incident: { id: string } }).incident.id;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
      await watchCsp(context, cspViolations);
      page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'zh-operator');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    afterEach(() => {
      expect(cspViolations.splice(0)).toEqual([]);
    });

    it('the incident list', async () => {
      await page.locator('#incident-list li.incident').first().waitFor();
      expect(await words()).toEqual([]);
    });

    it('an incident from a device alert, with its steps and actions', async () => {
      await page.goto(`${cloud().url}/#/incidents/${alertIncident}`);
      await page.locator('#actions button[data-action]').first().waitFor();
      await page.locator('#timeline li').first().waitFor();
      expect(await words()).toEqual([]);
    });

    it('intake', async () => {
      await page.goto(`${cloud().url}/#/intake`);
      await page.locator('form.intake').waitFor();
      expect(await words()).toEqual([]);
    });

    it('the KPIs', async () => {
      await page.goto(`${cloud().url}/#/kpis`);
      await page.click('.group-by [data-group="grid"]');
      await page.locator('.kpi-table tbody tr').first().waitFor();
      expect(await words()).toEqual([]);
    });
  },
);
