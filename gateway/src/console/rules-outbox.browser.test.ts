import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { describe, expect, it } from 'vitest';
import { startTestCloud } from '../uplink/test-cloud.js';
import { browserSuite, CHROMIUM, HAVE_CHROMIUM, useConsoleBrowser, VIEWPORTS } from './console-browser.js';
import { startConsoleGateway } from './console-test-support.js';

const GAS_ID = 'gas-b2-u1-0601';
const GAS_RULE = `version: 1
rules:
  - id: gas.lel
    name: { zh: 燃气浓度超限, en: Gas concentration high }
    selector: { kinds: [gas_detector] }
    condition: { type: threshold, field: gas_lel, op: '>=', value: 20, clear: { op: '<', value: 10 } }
    severity: critical
    category: emergency.gas_leak
    message: { zh: '燃气浓度 {gas_lel} %LEL', en: 'Gas at {gas_lel} %LEL' }
    actions:
      - type: command
        target: {}
        command: { valve: close }
`;
const BROKEN = GAS_RULE.replace('value: 20, clear', 'value: high, clear');

describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  browserSuite('the console’s rules and outbox pages in a browser'),
  () => {
    const { afterTest, open, signIn, connectDevice, shoot } = useConsoleBrowser();

    const start = async (config: NonNullable<Parameters<typeof startConsoleGateway>[0]>['config'] = {}) => {
      const started = await startConsoleGateway({
        devices: [{ id: GAS_ID, kind: 'gas_detector', building: '2', unit: '1' }],
        config,
      });
      afterTest(() => started.stop());
      const gas = started.devices[0];
      if (!gas) throw new Error('no gas detector');
      const client = await connectDevice(started.gateway, gas);
      const gasAt = (lel: number) =>
        client.publishAsync(`gridlink/${GAS_ID}`, JSON.stringify({ gas_lel: lel }), { qos: 1 });
      return { ...started, gasAt };
    };

    it.each(VIEWPORTS)(
      'lets an installer break a rule file (refused as typed), fix it, save it, and dry-run it (%o)',
      async (viewport) => {
        const { base, installer, gateway, gasAt } = await start();
        // A message of the detector's, for the dry run: the live gateway has no rule yet, so nothing fires here.
        await gasAt(40);
        const page = await open(base, viewport);
        await signIn(page, installer);
        await page.locator('[data-test=nav-rules]').click();
        await page.locator('[data-test=rule-files] [data-test=empty]').waitFor();
        await shoot(page, 'rules-empty');

        await page.locator('[data-test=new-file]').click();
        await page.locator('input[data-test=new-file-name]').fill('gas.yaml');
        await page.locator('[data-test=create-file]').click();
        const editor = page.locator('[data-test=rule-editor]');
        await editor.fill(BROKEN);
        const issues = page.locator('[data-test=issues]');
        await expect.poll(() => issues.textContent()).toContain('rules.0.condition.value');
        expect(await issues.textContent()).toContain('第 6 行');
        await page.locator('[data-test=save-rules]').click();
        await expect.poll(() => page.locator('[data-test=save-result]').textContent()).toContain('未保存');
        expect(existsSync(join(gateway.rules.folder.dir, 'gas.yaml'))).toBe(false);
        await shoot(page, 'rules-error');

        await editor.fill(GAS_RULE);
        await expect.poll(() => page.locator('[data-test=check-status]').textContent()).toContain('检查通过：1 条规则');
        await page.locator('[data-test=save-rules]').click();
        await expect.poll(() => page.locator('[data-test=save-result]').textContent()).toContain('已保存');
        await expect.poll(() => page.locator('[data-test="state-gas.yaml"]').textContent()).toContain('已加载');
        expect(gateway.rules.ruleFiles().inForce).toBe(1);
        expect(readFileSync(join(gateway.rules.folder.dir, 'gas.yaml'), 'utf8')).toBe(GAS_RULE);

        // The dry run on the detector's recorded message: the rule fires and would close the valve.
        await page.locator('[data-test=dry-device]').click();
        await page.locator('.el-select-dropdown__item', { hasText: GAS_ID }).click();
        await page.locator('[data-test=dry-run]').click();
        const results = page.locator('[data-test=dry-results]');
        await expect.poll(() => results.textContent()).toContain('触发');
        expect(await results.textContent()).toContain('valve: close');
        expect(await results.textContent()).toContain('燃气浓度 40 %LEL');

        // A template with a parameter the server refuses, by name.
        await page.locator('[data-test=template-pick]').click();
        await page.locator('.el-select-dropdown__item', { hasText: 'builtin.gas.lel' }).click();
        await page.locator('input[data-test=param-gasLelPercent]').fill('lots');
        await page.locator('[data-test=template-add]').click();
        await expect
          .poll(() => page.locator('[data-test=template-error]').textContent())
          .toContain('params.gasLelPercent');
        await shoot(page, 'rules-filled');

        // Broken on disk behind the console's back: the last good rules stay, and the page says so.
        writeFileSync(join(gateway.rules.folder.dir, 'gas.yaml'), BROKEN);
        await expect.poll(() => gateway.rules.ruleFiles().load.ok, { timeout: 10_000 }).toBe(false);
        await page.reload();
        await page.locator('[data-test=kept-last-good]').waitFor();
        await expect.poll(() => page.locator('[data-test="state-gas.yaml"]').textContent()).toContain('有错误');
        expect(await page.locator('[data-test=in-force]').textContent()).toContain('1');
        await shoot(page, 'rules-kept-last-good');

        await page.route('**/api/console/rules', (route) =>
          route.fulfill({
            status: 500,
            contentType: 'application/problem+json',
            body: JSON.stringify({
              code: 'GL_INTERNAL',
              detail: 'the request failed; the error is in the gateway log',
            }),
          }),
        );
        await page.reload();
        await page.locator('[data-test=error]').waitFor();
        await shoot(page, 'rules-load-error');
      },
      60_000,
    );

    it.each(VIEWPORTS)(
      'shows an event the cloud refused with its error, and resending delivers it (%o)',
      async (viewport) => {
        const cloud = await startTestCloud('gw-test', { community: null });
        afterTest(() => cloud.stop());
        const { base, installer, gateway, gasAt } = await start({
          inventory: { enabled: false },
          uplink: {
            enabled: true,
            url: cloud.url,
            token: cloud.token,
            backoff_initial_ms: 50,
            backoff_max_ms: 400,
            request_timeout_ms: 2000,
            downlink: false,
          },
        });
        mkdirSync(gateway.rules.folder.dir, { recursive: true });
        writeFileSync(join(gateway.rules.folder.dir, 'gas.yaml'), GAS_RULE);
        await expect.poll(() => gateway.rules.ruleFiles().inForce, { timeout: 10_000 }).toBe(1);
        const page = await open(base, viewport);
        await signIn(page, installer);
        await page.locator('[data-test=nav-outbox]').click();
        await page.locator('[data-test=no-quarantined]').waitFor();
        await shoot(page, 'outbox-empty');

        await gasAt(40);
        const card = page.locator('[data-test=quarantined] article').first();
        await card.waitFor({ timeout: 20_000 });
        expect(await card.locator('[data-test=cloud-error]').textContent()).toContain('no community on record');
        const id = gateway.uplink?.outbox.quarantined()[0]?.id ?? '';
        expect(await card.textContent()).toContain(id);

        // Discarding needs a reason: the server says which field.
        await card.locator('[data-test^=discard-]').click();
        await page.locator('[data-test=confirm-discard]').click();
        await expect.poll(() => page.locator('[data-test=discard-error]').textContent()).toContain('reason:');
        await shoot(page, 'outbox-discard-reason');
        await page.keyboard.press('Escape');
        await page.locator('[data-test=discard-reason]').waitFor({ state: 'hidden' });
        await shoot(page, 'outbox-quarantined');

        await cloud.cloud.registry.setCommunity('gw-test', '320803001001');
        await card.locator('[data-test^=resend-]').click();
        await page.locator('[data-test=no-quarantined]').waitFor({ timeout: 20_000 });
        await expect.poll(async () => (await cloud.events()).map((row) => row.id), { timeout: 20_000 }).toContain(id);

        // The cloud goes away: the page keeps answering, with the link's error.
        cloud.proxy.set({ kind: 'refuse' }, { cut: true });
        await gasAt(2);
        await page.locator('[data-test=last-error]').waitFor({ timeout: 20_000 });
        await shoot(page, 'outbox-cloud-down');
        await page.locator('[data-test=nav-audit]').click();
        await expect.poll(() => page.locator('[data-test=audit-table]').textContent()).toContain('重新发送事件');
      },
      60_000,
    );

    it.each(VIEWPORTS)('says when the uplink is off, and when the gateway cannot answer (%o)', async (viewport) => {
      const { base, installer } = await start();
      const page = await open(base, viewport);
      await signIn(page, installer);
      await page.locator('[data-test=nav-outbox]').click();
      await page.locator('[data-test=uplink-off]').waitFor();
      await shoot(page, 'outbox-off');
      await page.route('**/api/console/outbox', (route) =>
        route.fulfill({
          status: 500,
          contentType: 'application/problem+json',
          body: JSON.stringify({ code: 'GL_INTERNAL', detail: 'the request failed; the error is in the gateway log' }),
        }),
      );
      await page.reload();
      await page.locator('[data-test=error]').waitFor();
      await shoot(page, 'outbox-load-error');
    });

    it('shows an observer the rule files and their errors, read-only, in English too', async () => {
      const { base, observer, gateway } = await start();
      mkdirSync(gateway.rules.folder.dir, { recursive: true });
      writeFileSync(join(gateway.rules.folder.dir, 'gas.yaml'), BROKEN);
      await expect.poll(() => gateway.rules.ruleFiles().load.ok, { timeout: 10_000 }).toBe(false);
      const page = await open(base, { width: 1366, height: 768 });
      await signIn(page, observer);
      await page.locator('[data-test=nav-rules]').click();
      await expect.poll(() => page.locator('[data-test=issues]').textContent()).toContain('rules.0.condition.value');
      await page.locator('[data-test=read-only]').waitFor();
      expect(await page.locator('[data-test=save-rules]').count()).toBe(0);
      expect(await page.locator('[data-test=new-file]').count()).toBe(0);
      expect(await page.locator('[data-test=rule-editor]').getAttribute('readonly')).not.toBeNull();
      await page.locator('[data-test=lang]').click();
      await expect.poll(() => page.locator('[data-test="state-gas.yaml"]').textContent()).toContain('Broken');
      expect(await page.locator('[data-test=issues]').textContent()).toContain('Line 6');
      await shoot(page, 'rules-observer-en');
    });
  },
);
