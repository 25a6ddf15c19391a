import {
  findProfile,
  PROFILES,
  SENSOR,
  type StreamProfile,
  videoAnalyticsConfigurationXml,
  videoSourceConfigurationXml,
} from './media-profiles.js';
import type { ServiceContext, SoapHandler } from './service-context.js';
import { faults } from './soap.js';
import { child, escapeXml, type XmlElement } from './xml.js';

/** Media service (ver10), modelled on the recorded Axis and Hikvision responses. */

function profileXml(profile: StreamProfile): string {
  return (
    `<trt:Profiles token="${profile.token}" fixed="true"><tt:Name>${profile.name}</tt:Name>` +
    videoSourceConfigurationXml('tt:VideoSourceConfiguration') +
    `<tt:VideoEncoderConfiguration token="${profile.encoderToken}"><tt:Name>${profile.name}</tt:Name><tt:UseCount>1</tt:UseCount>` +
    `<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>${profile.width}</tt:Width><tt:Height>${profile.height}</tt:Height></tt:Resolution>` +
    `<tt:Quality>4</tt:Quality><tt:RateControl><tt:FrameRateLimit>${profile.frameRate}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>${profile.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
    `<tt:H264><tt:GovLength>${profile.govLength}</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>` +
    '<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>5</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>' +
    '<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>' +
    videoAnalyticsConfigurationXml('tt:VideoAnalyticsConfiguration') +
    '</trt:Profiles>'
  );
}

export function requireProfile(operation: XmlElement): StreamProfile {
  const token = child(operation, 'ProfileToken')?.text;
  const profile = findProfile(token);
  if (!profile) {
    throw faults.invalidArgVal(
      `ProfileToken ${token === undefined ? 'is missing' : `"${token}" is unknown`}: use one of ${PROFILES.map((p) => p.token).join(', ')}`,
      'ter:NoProfile',
    );
  }
  return profile;
}

function mediaUriXml(uri: string, timeout: string): string {
  return `<tt:Uri>${escapeXml(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>${timeout}</tt:Timeout>`;
}

export const mediaOperations: Record<string, SoapHandler> = {
  GetProfiles: () => ({
    body: `<trt:GetProfilesResponse>${PROFILES.map(profileXml).join('')}</trt:GetProfilesResponse>`,
  }),
  GetProfile: ({ operation }) => ({
    body: `<trt:GetProfileResponse>${profileXml(requireProfile(operation)).replaceAll('trt:Profiles', 'trt:Profile')}</trt:GetProfileResponse>`,
  }),
  GetVideoSources: () => ({
    body:
      `<trt:GetVideoSourcesResponse><trt:VideoSources token="${SENSOR.token}"><tt:Framerate>${SENSOR.frameRate}</tt:Framerate>` +
      `<tt:Resolution><tt:Width>${SENSOR.width}</tt:Width><tt:Height>${SENSOR.height}</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`,
  }),
  GetStreamUri: ({ operation }, context: ServiceContext) => {
    const profile = requireProfile(operation);
    const protocol = child(child(child(operation, 'StreamSetup'), 'Transport'), 'Protocol')?.text;
    if (protocol !== undefined && !['RTSP', 'TCP', 'UDP', 'HTTP'].includes(protocol)) {
      throw faults.invalidArgVal(`StreamSetup/Transport/Protocol "${protocol}" is not one of UDP, TCP, RTSP, HTTP`);
    }
    return {
      body: `<trt:GetStreamUriResponse><trt:MediaUri>${mediaUriXml(context.urls.stream(profile.token), 'PT60S')}</trt:MediaUri></trt:GetStreamUriResponse>`,
    };
  },
  GetSnapshotUri: ({ operation }, context: ServiceContext) => {
    const profile = requireProfile(operation);
    return {
      body: `<trt:GetSnapshotUriResponse><trt:MediaUri>${mediaUriXml(context.urls.snapshot(profile.token), 'PT0S')}</trt:MediaUri></trt:GetSnapshotUriResponse>`,
    };
  },
};
