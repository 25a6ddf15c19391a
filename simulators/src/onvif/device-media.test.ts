import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnvifCameraSimulator } from './camera.js';
import { CAPTION_AREA, SNAPSHOT_SIZE } from './snapshot.js';
import { digestGet, faultSubcodes, TestOnvifClient, textAt } from './test-support.js';
import { childrenNamed } from './xml.js';

const credentials = { username: 'admin', password: 'gate-01-secret' };

describe('device, media and media2 services of a simulated camera over real HTTP', () => {
  const offsetMs = 3 * 3_600_000;
  const camera = new OnvifCameraSimulator({
    id: 'cam-gate-01',
    ...credentials,
    clockOffsetMs: offsetMs,
    model: 'GL-IPC-4M',
  });
  // The client writes the camera's clock into WS-Security Created, as a careful client does.
  const client = new TestOnvifClient(credentials, () => Date.now() + offsetMs);
  let mediaUrl = '';
  let media2Url = '';

  beforeAll(async () => {
    await camera.start();
    mediaUrl = camera.deviceServiceUrl.replace('device_service', 'media_service');
    media2Url = camera.deviceServiceUrl.replace('device_service', 'media2_service');
  });
  afterAll(() => camera.stop());

  it('tells its clock (including its offset) without credentials, as real cameras do', async () => {
    const before = Date.now() + offsetMs;
    const { status, body } = await client.call(camera.deviceServiceUrl, '<tds:GetSystemDateAndTime/>', {
      auth: 'none',
    });
    expect(status).toBe(200);
    const utc = (name: string) => Number(textAt(body, 'SystemDateAndTime', 'UTCDateTime', ...name.split('/')));
    const cameraTime = Date.UTC(
      utc('Date/Year'),
      utc('Date/Month') - 1,
      utc('Date/Day'),
      utc('Time/Hour'),
      utc('Time/Minute'),
      utc('Time/Second'),
    );
    expect(cameraTime).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(cameraTime).toBeLessThanOrEqual(Date.now() + offsetMs);
    expect(textAt(body, 'SystemDateAndTime', 'TimeZone', 'TZ')).toBe('CST-8');
  });

  it('describes itself: device information with a serial derived from its id, scopes naming it', async () => {
    const info = await client.call(camera.deviceServiceUrl, '<tds:GetDeviceInformation/>');
    expect(info.status).toBe(200);
    expect(textAt(info.body, 'Model')).toBe('GL-IPC-4M');
    expect(textAt(info.body, 'SerialNumber')).toMatch(/^GL[0-9A-F]{14}$/);
    const again = new OnvifCameraSimulator({ id: 'cam-gate-01', ...credentials });
    expect(again.endpointReference).toBe(camera.endpointReference);
    expect(camera.endpointReference).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );

    const scopes = await client.call(camera.deviceServiceUrl, '<tds:GetScopes/>');
    const items = childrenNamed(scopes.body, 'Scopes').map((scope) => textAt(scope, 'ScopeItem'));
    expect(items).toContain('onvif://www.onvif.org/name/cam-gate-01');
    expect(items).toContain('onvif://www.onvif.org/hardware/GL-IPC-4M');
  });

  it('lists its services and capabilities with the XAddrs of each service', async () => {
    const capabilities = await client.call(
      camera.deviceServiceUrl,
      '<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>',
    );
    expect(textAt(capabilities.body, 'Capabilities', 'Media', 'XAddr')).toBe(mediaUrl);
    expect(textAt(capabilities.body, 'Capabilities', 'Events', 'XAddr')).toMatch(/\/onvif\/event_service$/);
    expect(textAt(capabilities.body, 'Capabilities', 'Events', 'WSPullPointSupport')).toBe('true');

    const services = await client.call(
      camera.deviceServiceUrl,
      '<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>',
    );
    const list = childrenNamed(services.body, 'Service').map((service) => [
      textAt(service, 'Namespace'),
      textAt(service, 'XAddr'),
    ]);
    expect(list).toEqual([
      ['http://www.onvif.org/ver10/device/wsdl', camera.deviceServiceUrl],
      ['http://www.onvif.org/ver10/media/wsdl', mediaUrl],
      ['http://www.onvif.org/ver20/media/wsdl', media2Url],
      ['http://www.onvif.org/ver10/events/wsdl', camera.deviceServiceUrl.replace('device_service', 'event_service')],
    ]);
  });

  it('answers an unsupported category or operation with an explicit fault', async () => {
    const category = await client.call(
      camera.deviceServiceUrl,
      '<tds:GetCapabilities><tds:Category>PTZ</tds:Category></tds:GetCapabilities>',
    );
    expect(category.status).toBe(500);
    expect(faultSubcodes(category.body)).toEqual(['ter:ActionNotSupported', 'ter:NoSuchService']);
    const unknown = await client.call(camera.deviceServiceUrl, '<tds:GetDot11Capabilities/>');
    expect(unknown.body.name).toBe('Fault');
    expect(faultSubcodes(unknown.body)).toEqual(['ter:ActionNotSupported']);
  });

  it('media (ver10): profiles, video sources, an RTSP stream URI and a snapshot URI', async () => {
    const profiles = await client.call(mediaUrl, '<trt:GetProfiles/>');
    const tokens = childrenNamed(profiles.body, 'Profiles').map((profile) => profile.attrs.token);
    expect(tokens).toEqual(['Profile_1', 'Profile_2']);
    const [main] = childrenNamed(profiles.body, 'Profiles');
    expect(textAt(main, 'VideoEncoderConfiguration', 'Encoding')).toBe('H264');
    expect(textAt(main, 'VideoSourceConfiguration', 'SourceToken')).toBe('VideoSource_1');

    const sources = await client.call(mediaUrl, '<trt:GetVideoSources/>');
    expect(childrenNamed(sources.body, 'VideoSources').map((source) => source.attrs.token)).toEqual(['VideoSource_1']);

    const stream = await client.call(
      mediaUrl,
      '<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>Profile_2</trt:ProfileToken></trt:GetStreamUri>',
    );
    expect(textAt(stream.body, 'MediaUri', 'Uri')).toBe('rtsp://127.0.0.1:554/onvif/cam-gate-01/Profile_2');

    const snapshot = await client.call(
      mediaUrl,
      '<trt:GetSnapshotUri><trt:ProfileToken>Profile_1</trt:ProfileToken></trt:GetSnapshotUri>',
    );
    expect(textAt(snapshot.body, 'MediaUri', 'Uri')).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/onvif\/snapshot\?profile=Profile_1$/,
    );
  });

  it('refuses an unknown profile token with ter:InvalidArgVal/ter:NoProfile', async () => {
    const { status, body } = await client.call(
      mediaUrl,
      '<trt:GetStreamUri><trt:ProfileToken>nope</trt:ProfileToken></trt:GetStreamUri>',
    );
    expect(status).toBe(400);
    expect(textAt(body, 'Code', 'Value')).toBe('env:Sender');
    expect(faultSubcodes(body)).toEqual(['ter:InvalidArgVal', 'ter:NoProfile']);
  });

  it('media2 (ver20): profiles with configurations, stream and snapshot URIs', async () => {
    const profiles = await client.call(media2Url, '<tr2:GetProfiles><tr2:Type>All</tr2:Type></tr2:GetProfiles>');
    const [main] = childrenNamed(profiles.body, 'Profiles');
    expect(main?.attrs.token).toBe('Profile_1');
    expect(textAt(main, 'Configurations', 'VideoEncoder', 'Encoding')).toBe('H264');
    expect(textAt(main, 'Configurations', 'Analytics', 'Name')).toBe('VideoAnalyticsConfig');
    const stream = await client.call(
      media2Url,
      '<tr2:GetStreamUri><tr2:Protocol>RtspUnicast</tr2:Protocol><tr2:ProfileToken>Profile_1</tr2:ProfileToken></tr2:GetStreamUri>',
    );
    expect(textAt(stream.body, 'Uri')).toBe('rtsp://127.0.0.1:554/onvif/cam-gate-01/Profile_1');
    const snapshot = await client.call(
      media2Url,
      '<tr2:GetSnapshotUri><tr2:ProfileToken>Profile_2</tr2:ProfileToken></tr2:GetSnapshotUri>',
    );
    expect(textAt(snapshot.body, 'Uri')).toMatch(/\/onvif\/snapshot\?profile=Profile_2$/);
  });

  it('serves a real JPEG at the snapshot URI behind HTTP Digest, with its id and time drawn in', async () => {
    const snapshot = await client.call(
      mediaUrl,
      '<trt:GetSnapshotUri><trt:ProfileToken>Profile_1</trt:ProfileToken></trt:GetSnapshotUri>',
    );
    const uri = textAt(snapshot.body, 'MediaUri', 'Uri') ?? '';
    const anonymous = await fetch(uri);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Digest realm="ONVIF camera cam-gate-01", qop="auth"/);
    const wrong = await digestGet(uri, { username: 'admin', password: 'wrong' });
    expect(wrong.status).toBe(401);

    const response = await digestGet(uri, credentials);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const image = jpeg.decode(Buffer.from(await response.arrayBuffer()), { useTArray: true });
    expect([image.width, image.height]).toEqual([SNAPSHOT_SIZE.width, SNAPSHOT_SIZE.height]);
    // The caption band is black with white text: some pixels there must be bright.
    let bright = 0;
    for (let y = CAPTION_AREA.top; y < CAPTION_AREA.bottom; y += 1) {
      for (let x = 0; x < image.width; x += 1) if ((image.data[(y * image.width + x) * 4] ?? 0) > 200) bright += 1;
    }
    expect(bright).toBeGreaterThan(500);
  });

  it('answers malformed XML and non-SOAP-1.2 envelopes with env:Sender/ter:WellFormed, unknown paths with 404', async () => {
    for (const body of ['<not-xml', '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body/></Envelope>']) {
      const response = await fetch(camera.deviceServiceUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/soap+xml' },
        body,
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<env:Value>ter:WellFormed</env:Value>');
    }
    expect(
      (await fetch(camera.deviceServiceUrl.replace('device_service', 'nothing_here'), { method: 'POST' })).status,
    ).toBe(404);
  });
});
