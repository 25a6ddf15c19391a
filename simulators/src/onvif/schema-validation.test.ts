import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OnvifCameraSimulator } from './camera.js';
import {
  bodyDocument,
  faultDetailDocument,
  ONVIF_WSDL_DIR,
  prepareSchemas,
  validateAll,
  xmllintAvailable,
} from './schema-support.js';
import { TestOnvifClient, textAt } from './test-support.js';

const haveSchemas = existsSync(join(ONVIF_WSDL_DIR, 'ver10/schema/onvif.xsd'));
const haveXmllint = xmllintAvailable();
const missing = !haveSchemas
  ? '../shared/onvif/wsdl is absent'
  : !haveXmllint
    ? 'xmllint is not installed; apt-get install libxml2-utils'
    : '';
const skipReason = missing ? ` (skipped: ${missing})` : '';

const credentials = { username: 'admin', password: 'schema-secret' };
const CONCRETE_SET = 'http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet';

describe.skipIf(cannotRun(haveSchemas ? 'xmllint' : 'onvif-schemas', missing))(
  `every SOAP response body validates against the ONVIF schemas with xmllint (OASIS WS-BaseNotification/WS-Topics/WS-Addressing and W3C imports replaced by minimal local schemas in schema-fixtures)${skipReason}`,
  () => {
    let schemaDir = '';
    let driver = '';
    /** Response bodies by the name they are reported under. */
    const responses = new Map<string, string>();
    /** Fault envelopes whose env:Detail holds an ONVIF-defined element. */
    const faultDetails = new Map<string, string>();
    const cameras: OnvifCameraSimulator[] = [];
    let closeConsumer: () => Promise<void> = async () => undefined;

    beforeAll(async () => {
      ({ dir: schemaDir, driver } = await prepareSchemas());
      const notifications: string[] = [];
      const consumer = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          notifications.push(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => consumer.listen(0, '127.0.0.1', resolve));
      closeConsumer = () => new Promise((resolve) => consumer.close(() => resolve()));
      const consumerUrl = `http://127.0.0.1:${(consumer.address() as AddressInfo).port}/notify`;

      // Two cameras: one standard, one with every quirk, so quirky output is checked too.
      for (const [id, quirky] of [
        ['cam-schema-01', false],
        ['cam-schema-02', true],
      ] as const) {
        const camera = new OnvifCameraSimulator({
          id,
          ...credentials,
          ...(quirky ? { quirks: { nonStandardTime: true, durationsMisread: true } } : {}),
        });
        cameras.push(camera);
        await camera.start();
        const client = new TestOnvifClient(credentials);
        const device = camera.deviceServiceUrl;
        const media = device.replace('device_service', 'media_service');
        const media2 = device.replace('device_service', 'media2_service');
        const events = device.replace('device_service', 'event_service');
        const record = async (name: string, url: string, body: string) => {
          const response = await client.call(url, body);
          expect(response.status, `${name}: ${response.xml}`).toBe(200);
          responses.set(`${id} ${name}`, response.xml);
          return response;
        };
        await record('GetSystemDateAndTime', device, '<tds:GetSystemDateAndTime/>');
        await record('GetDeviceInformation', device, '<tds:GetDeviceInformation/>');
        await record('GetScopes', device, '<tds:GetScopes/>');
        await record(
          'GetCapabilities',
          device,
          '<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>',
        );
        await record(
          'GetServices',
          device,
          '<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>',
        );
        await record(
          'GetServices without capabilities',
          device,
          '<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>',
        );
        await record('trt:GetProfiles', media, '<trt:GetProfiles/>');
        await record(
          'trt:GetProfile',
          media,
          '<trt:GetProfile><trt:ProfileToken>Profile_2</trt:ProfileToken></trt:GetProfile>',
        );
        await record('trt:GetVideoSources', media, '<trt:GetVideoSources/>');
        await record(
          'trt:GetStreamUri',
          media,
          '<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>Profile_1</trt:ProfileToken></trt:GetStreamUri>',
        );
        await record(
          'trt:GetSnapshotUri',
          media,
          '<trt:GetSnapshotUri><trt:ProfileToken>Profile_1</trt:ProfileToken></trt:GetSnapshotUri>',
        );
        await record('tr2:GetProfiles All', media2, '<tr2:GetProfiles><tr2:Type>All</tr2:Type></tr2:GetProfiles>');
        await record('tr2:GetProfiles', media2, '<tr2:GetProfiles/>');
        await record(
          'tr2:GetStreamUri',
          media2,
          '<tr2:GetStreamUri><tr2:Protocol>RtspUnicast</tr2:Protocol><tr2:ProfileToken>Profile_1</tr2:ProfileToken></tr2:GetStreamUri>',
        );
        await record(
          'tr2:GetSnapshotUri',
          media2,
          '<tr2:GetSnapshotUri><tr2:ProfileToken>Profile_2</tr2:ProfileToken></tr2:GetSnapshotUri>',
        );
        await record('GetEventProperties', events, '<tev:GetEventProperties/>');
        await record('tev:GetServiceCapabilities', events, '<tev:GetServiceCapabilities/>');
        const created = await record(
          'CreatePullPointSubscription',
          events,
          `<tev:CreatePullPointSubscription><tev:Filter><wsnt:TopicExpression Dialect="${CONCRETE_SET}">tns1:RuleEngine//.|tns1:VideoSource//.</wsnt:TopicExpression></tev:Filter><tev:InitialTerminationTime>PT10M</tev:InitialTerminationTime></tev:CreatePullPointSubscription>`,
        );
        const pullPoint = textAt(created.body, 'SubscriptionReference', 'Address') ?? '';
        camera.setMotion(true);
        camera.setTamper(true);
        camera.lineCrossed();
        camera.setFieldDetection(true);
        const pull =
          '<tev:PullMessages><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>100</tev:MessageLimit></tev:PullMessages>';
        await record('PullMessages with every topic', pullPoint, pull);
        await record('PullMessages empty', pullPoint, pull.replace('PT1S', 'PT0S'));
        // A fault whose Detail is an ONVIF element: only that element is checked (env:Fault itself is SOAP's).
        const refused = await client.call(pullPoint, pull.replace('PT1S', 'PT2H'));
        expect(refused.status).toBe(400);
        faultDetails.set(`${id} PullMessages fault detail`, refused.xml);
        await record('SetSynchronizationPoint', pullPoint, '<tev:SetSynchronizationPoint/>');
        await record('PullMessages after SetSynchronizationPoint', pullPoint, pull);
        await record(
          'Renew (pull point)',
          pullPoint,
          '<wsnt:Renew><wsnt:TerminationTime>PT5M</wsnt:TerminationTime></wsnt:Renew>',
        );
        await record('Unsubscribe (pull point)', pullPoint, '<wsnt:Unsubscribe/>');
        const subscribed = await record(
          'Subscribe',
          events,
          `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>${consumerUrl}</wsa:Address></wsnt:ConsumerReference><wsnt:InitialTerminationTime>PT10M</wsnt:InitialTerminationTime></wsnt:Subscribe>`,
        );
        const manager = textAt(subscribed.body, 'SubscriptionReference', 'Address') ?? '';
        camera.lineCrossed();
        await record(
          'Renew (push)',
          manager,
          '<wsnt:Renew><wsnt:TerminationTime>PT20M</wsnt:TerminationTime></wsnt:Renew>',
        );
        await vi.waitFor(() => expect(notifications.length).toBeGreaterThanOrEqual(2));
        await record('Unsubscribe (push)', manager, '<wsnt:Unsubscribe/>');
        notifications.splice(0).forEach((notify, index) => {
          responses.set(`${id} Notify #${index + 1}`, notify);
        });
      }
    }, 60_000);

    afterAll(async () => {
      await Promise.all(cameras.map((camera) => camera.stop()));
      await closeConsumer();
      if (schemaDir) await rm(schemaDir, { recursive: true, force: true });
    });

    it('the validator accepts a real camera response and rejects a broken one (so a pass means something)', async () => {
      const capture = await readFile(
        join(ONVIF_WSDL_DIR, '../captures/hikvision/events/GetEventProperties.Response.xml'),
        'utf8',
      );
      const good = join(schemaDir, 'capture-good.xml');
      const bad = join(schemaDir, 'capture-bad.xml');
      await writeFile(good, bodyDocument(capture));
      await writeFile(bad, bodyDocument(capture).replace('<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>', ''));
      // The event payload inside wsnt:Message is checked too (tt:Message against onvif.xsd).
      const pulled = responses.get('cam-schema-01 PullMessages with every topic') ?? '';
      const badEvent = join(schemaDir, 'event-bad.xml');
      await writeFile(
        badEvent,
        bodyDocument(pulled).replace('PropertyOperation="Changed"', 'PropertyOperation="Toggled"'),
      );
      const { results } = await validateAll(driver, [good, bad, badEvent]);
      expect(results.map((result) => result.valid)).toEqual([true, false, false]);
      expect(results[2]?.errors.join('\n')).toContain("attribute 'PropertyOperation'");
    });

    it('all of them validate', async () => {
      // 27 operations and at least two Notify messages per camera.
      expect(responses.size).toBeGreaterThanOrEqual(2 * 29);
      const files: Array<[string, string]> = [];
      let index = 0;
      for (const [name, xml] of responses) {
        index += 1;
        const file = join(schemaDir, `response-${index}.xml`);
        await writeFile(file, bodyDocument(xml));
        files.push([name, file]);
      }
      for (const [name, xml] of faultDetails) {
        index += 1;
        const file = join(schemaDir, `fault-detail-${index}.xml`);
        await writeFile(file, faultDetailDocument(xml));
        files.push([name, file]);
      }
      expect(faultDetails.size).toBe(2);
      const { results } = await validateAll(
        driver,
        files.map(([, file]) => file),
      );
      const failures = results
        .map((result, i) => ({ name: files[i]?.[0], valid: result.valid, errors: result.errors }))
        .filter((result) => !result.valid);
      expect(failures).toEqual([]);
    });
  },
);
