import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cannotRun } from '@gridlink/testkit';
import { describe, expect, it } from 'vitest';
import { parseCameraTime } from './camera-time.js';
import { mapNotification, TOPIC_RULES } from './event-mapping.js';
import { parsePullMessages } from './notifications.js';
import {
  parseCapabilities,
  parseDeviceInformation,
  parseMediaUri,
  parseProfiles,
  parseServices,
  parseSubscriptionGrant,
  parseSystemDateAndTime,
} from './responses.js';
import { isAuthFault, parseSoapFault } from './soap-fault.js';
import { attribute, child, children, parseXml, path, soapBody, type XmlNode } from './xml.js';

// Real cameras' XML (Hikvision and Axis), kept outside the repository next to the project root.
const captures = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/onvif/captures');
const present = existsSync(captures);
const describeCaptures = cannotRun('onvif-captures', !present && 'captures absent') ? describe.skip : describe;
const suffix = present ? '' : ' (skipped: ../shared/onvif/captures is absent)';

const raw = (camera: string, file: string) => readFileSync(join(captures, camera, file), 'utf8');
const body = (camera: string, file: string): XmlNode => {
  const found = soapBody(parseXml(raw(camera, file)));
  if (!found) throw new Error(`${file} has no SOAP body`);
  return found;
};

describeCaptures(`ONVIF answers of real cameras${suffix}`, () => {
  it('reads the camera clock from GetSystemDateAndTime (UTC fields, not local time)', () => {
    expect(parseSystemDateAndTime(body('hikvision', 'core/GetSystemDateAndTime.Response.xml'))).toEqual({
      utc: Date.UTC(2018, 1, 27, 18, 28, 1),
      dateTimeType: 'Manual',
    });
    expect(parseSystemDateAndTime(body('axis', 'core/GetSystemDateAndTime.Response.xml')).utc).toBe(
      Date.UTC(2018, 1, 27, 23, 9, 59),
    );
  });

  it('reads GetDeviceInformation, keeping every value a string', () => {
    expect(parseDeviceInformation(body('hikvision', 'core/GetDeviceInformation.Response.xml'))).toEqual({
      manufacturer: 'HIKVISION',
      model: 'DS-2DF7276-AEL',
      firmwareVersion: 'V5.1.6 build 140401',
      serialNumber: 'DS-2DF7276-AEL20140613CCWR468714298B',
      hardwareId: '88',
    });
    const axis = parseDeviceInformation(body('axis', 'core/GetDeviceInformation.Response.xml'));
    expect(axis.manufacturer).toMatch(/axis/i);
    expect(axis.serialNumber).not.toBe('');
  });

  it('finds the media and events services in GetServices (Hikvision) with the PullPoint hint', () => {
    expect(parseServices(body('hikvision', 'core/GetServices.Response.xml'))).toMatchObject({
      device: 'http://10.10.1.60/onvif/device_service',
      media: 'http://10.10.1.60/onvif/Media',
      events: 'http://10.10.1.60/onvif/Events',
      pullPointHint: true,
    });
  });

  it('falls back to GetCapabilities where GetServices faults (Axis), whose PullPoint hint says no', () => {
    const fault = parseSoapFault(parseXml(raw('axis', 'core/GetServices.Error.xml')), 500);
    expect(fault).toBeDefined();
    expect(parseCapabilities(body('axis', 'core/GetCapabilities.Response.xml'))).toMatchObject({
      device: 'http://192.168.0.19/onvif/device_service',
      media: 'http://192.168.0.19/onvif/services',
      events: 'http://192.168.0.19/onvif/services',
      // …and yet the same camera answers CreatePullPointSubscription: the hint is not trusted.
      pullPointHint: false,
    });
  });

  it('reads media profiles with their video source and encoder', () => {
    const hik = parseProfiles(body('hikvision', 'media/GetProfiles.Response.xml'));
    expect(hik).toHaveLength(3);
    expect(hik[0]).toMatchObject({
      token: 'Profile_1',
      name: 'mainStream',
      videoSourceToken: 'VideoSource_1',
      encoding: 'H264',
    });
    const axis = parseProfiles(body('axis', 'media/GetProfiles.Response.xml'));
    expect(axis).toHaveLength(2);
    expect(axis.every((profile) => profile.token !== '')).toBe(true);
  });

  it('reads stream and snapshot URIs, entities decoded', () => {
    expect(parseMediaUri(body('hikvision', 'media/GetStreamUri.Response.xml'), 'GetStreamUri')).toBe(
      'rtsp://10.10.1.60:554/Streaming/Channels/3?transportmode=unicast&profile=Profile_3',
    );
    expect(parseMediaUri(body('axis', 'media/GetSnapshotUri.Response.xml'), 'GetSnapshotUri')).toBe(
      'http://192.168.0.19/onvif-cgi/jpg/image.cgi?resolution=1280x720&compression=20',
    );
    expect(parseMediaUri(body('hikvision', 'media/GetSnapshotUri.Response.xml'), 'GetSnapshotUri')).toMatch(/^http/);
    expect(parseMediaUri(body('axis', 'media/GetStreamUri.Response.xml'), 'GetStreamUri')).toMatch(/^rtsp:/);
  });

  it('reads a Hikvision pull point: its own address, a one-minute window in camera time', () => {
    const file = 'events/CreatePullPointSubscription.Response.xml';
    const grant = parseSubscriptionGrant(
      body('hikvision', file),
      raw('hikvision', file),
      'CreatePullPointSubscription',
    );
    expect(grant.reference).toEqual({
      address: 'http://10.10.1.60/onvif/Events/PullSubManager_2018-02-27T18:28:52Z_5',
    });
    expect((grant.terminationTime ?? 0) - (grant.currentTime ?? 0)).toBe(60_000);
  });

  it('reads an Axis pull point: a shared address and a SubscriptionId to echo back with its namespace', () => {
    const file = 'events/CreatePullPointSubscription.Response.xml';
    const grant = parseSubscriptionGrant(body('axis', file), raw('axis', file), 'CreatePullPointSubscription');
    expect(grant.reference.address).toBe('http://192.168.0.19/onvif/services');
    expect(grant.reference.referenceParameters).toMatch(
      /^<dom0:SubscriptionId\s+xmlns:dom0="http:\/\/www\.axis\.com\/2009\/event">5\s*<\/dom0:SubscriptionId>$/,
    );
    // Axis grants four weeks, whatever was asked: renewals follow what the camera granted.
    expect((grant.terminationTime ?? 0) - (grant.currentTime ?? 0)).toBe(28 * 24 * 3600_000);
  });

  it('reads an empty PullMessages answer (the long-poll timed out with nothing to say)', () => {
    expect(parsePullMessages(body('hikvision', 'events/PullMessages.Response.xml'))).toEqual({
      currentTime: Date.UTC(2018, 1, 27, 14, 53, 23),
      terminationTime: Date.UTC(2018, 1, 27, 15, 3, 23),
      notifications: [],
    });
  });

  it('reads faults: SOAP 1.2 code and subcode (ter:InvalidArgs), and WS-BaseNotification faults in Detail', () => {
    const pull = parseSoapFault(parseXml(raw('axis', 'events/PullMessages.Error.xml')), 400);
    expect(pull?.code).toBe('Sender');
    expect(pull?.has('InvalidArgs')).toBe(true);
    expect(isAuthFault(pull)).toBe(false);
    const create = parseSoapFault(parseXml(raw('axis', 'events/CreatePullPointSubscription.Error.xml')), 500);
    expect(create?.code).toBe('Receiver');
    expect(create?.has('SubscribeCreationFailedFault')).toBe(true);
    expect(parseSoapFault(parseXml(raw('hikvision', 'events/SetSynchronizationPoint.Response.xml')), 200)).toBe(
      undefined,
    );
  });

  it('asks for topics both cameras list in GetEventProperties (Hikvision: motion and tamper)', () => {
    const hik = raw('hikvision', 'events/GetEventProperties.Response.xml');
    for (const path of ['CellMotionDetector', 'MotionAlarm', 'TamperDetector']) expect(hik).toContain(`<${path}`);
    const mapped = TOPIC_RULES.map((rule) => rule.topic);
    expect(mapped).toContain('RuleEngine/CellMotionDetector/Motion');
    expect(mapped).toContain('RuleEngine/TamperDetector/Tamper');
  });

  it('reads the value of every mapped topic a camera describes by a data item name the mapping knows', () => {
    let checked = 0;
    for (const camera of ['hikvision', 'axis']) {
      const response = child(body(camera, 'events/GetEventProperties.Response.xml'), 'GetEventPropertiesResponse');
      const topicSet = child(response, 'TopicSet');
      for (const rule of TOPIC_RULES) {
        const topic = path(topicSet, ...rule.topic.split('/'));
        if (!topic || !rule.values) continue;
        const data = path(topic, 'MessageDescription', 'Data');
        const names = children(data, 'SimpleItemDescription').map((item) => attribute(item, 'Name'));
        expect(
          names.some((name) => name !== undefined && rule.values?.includes(name)),
          `${camera} ${rule.topic}`,
        ).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});

describe('camera times and notifications as firmware writes them', () => {
  it('reads times with Z, without a zone, with an offset, with a space and odd fractions', () => {
    const at = Date.UTC(2026, 10, 25, 14, 52, 18, 646);
    expect(parseCameraTime('2026-11-25T14:52:18.646Z')).toBe(at);
    expect(parseCameraTime('2026-11-25T14:52:18.646')).toBe(at);
    expect(parseCameraTime('2026-11-25T22:52:18.646+08:00')).toBe(at);
    expect(parseCameraTime('2026-11-25 22:52:18.6461+0800')).toBe(at);
    expect(parseCameraTime('25/11/2026 14:52')).toBeUndefined();
  });

  it('maps the ONVIF notification of a motion start, with its source token', () => {
    const xml = `<?xml version="1.0"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tev="http://www.onvif.org/ver10/events/wsdl" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tns1="http://www.onvif.org/ver10/topics"><env:Body><tev:PullMessagesResponse><tev:CurrentTime>2026-11-25T14:52:19Z</tev:CurrentTime><tev:TerminationTime>2026-11-25T15:02:19Z</tev:TerminationTime>
      <wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:RuleEngine/CellMotionDetector/Motion</wsnt:Topic>
      <wsnt:Message><tt:Message UtcTime="2026-11-25T14:52:18.646Z" PropertyOperation="Changed"><tt:Source><tt:SimpleItem Name="VideoSourceConfigurationToken" Value="VideoSourceToken"/><tt:SimpleItem Name="VideoAnalyticsConfigurationToken" Value="VideoAnalyticsToken"/><tt:SimpleItem Name="Rule" Value="MyMotionDetectorRule"/></tt:Source><tt:Data><tt:SimpleItem Name="IsMotion" Value="true"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>
      </tev:PullMessagesResponse></env:Body></env:Envelope>`;
    const result = parsePullMessages(soapBody(parseXml(xml)) as XmlNode);
    expect(result.notifications).toEqual([
      {
        topic: 'RuleEngine/CellMotionDetector/Motion',
        rawTopic: 'tns1:RuleEngine/CellMotionDetector/Motion',
        utcTime: Date.UTC(2026, 10, 25, 14, 52, 18, 646),
        propertyOperation: 'Changed',
        source: {
          VideoSourceConfigurationToken: 'VideoSourceToken',
          VideoAnalyticsConfigurationToken: 'VideoAnalyticsToken',
          Rule: 'MyMotionDetectorRule',
        },
        data: { IsMotion: 'true' },
      },
    ]);
    expect(mapNotification(result.notifications[0] as never)).toEqual({
      kind: 'flag',
      type: 'motion',
      key: 'motion',
      active: true,
      fields: { is_motion: true, source: 'VideoSourceToken' },
    });
  });

  it('maps cell motion whose value comes as State (firmware not writing IsMotion), and tamper likewise', () => {
    const notification = (topic: string, data: Record<string, string>) => ({
      topic,
      rawTopic: `tns1:${topic}`,
      source: { VideoSourceConfigurationToken: 'VideoSourceToken' },
      data,
    });
    expect(mapNotification(notification('RuleEngine/CellMotionDetector/Motion', { State: 'true' }))).toEqual({
      kind: 'flag',
      type: 'motion',
      key: 'motion',
      active: true,
      fields: { is_motion: true, source: 'VideoSourceToken' },
    });
    expect(mapNotification(notification('VideoSource/MotionAlarm', { IsMotion: 'false' }))).toMatchObject({
      type: 'motion',
      active: false,
    });
    expect(mapNotification(notification('RuleEngine/TamperDetector/Tamper', { State: 'true' }))).toMatchObject({
      type: 'tamper',
      active: true,
    });
    expect(mapNotification(notification('RuleEngine/CellMotionDetector/Motion', { Level: '3' }))).toBeUndefined();
  });
});
