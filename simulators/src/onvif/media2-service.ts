import {
  PROFILES,
  type StreamProfile,
  videoAnalyticsConfigurationXml,
  videoSourceConfigurationXml,
} from './media-profiles.js';
import { requireProfile } from './media-service.js';
import type { SoapHandler } from './service-context.js';
import { faults } from './soap.js';
import { child, escapeXml } from './xml.js';

/** Media2 service (ver20): profiles as configuration sets, URIs without the ver10 MediaUri wrapper. */

function profileXml(profile: StreamProfile, types: readonly string[]): string {
  const wants = (type: string) => types.includes('All') || types.includes(type);
  const configurations =
    (wants('VideoSource') ? videoSourceConfigurationXml('tr2:VideoSource') : '') +
    (wants('VideoEncoder')
      ? `<tr2:VideoEncoder token="${profile.encoderToken}" GovLength="${profile.govLength}" Profile="Main"><tt:Name>${profile.name}</tt:Name><tt:UseCount>1</tt:UseCount>` +
        `<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>${profile.width}</tt:Width><tt:Height>${profile.height}</tt:Height></tt:Resolution>` +
        `<tt:RateControl ConstantBitRate="false"><tt:FrameRateLimit>${profile.frameRate}</tt:FrameRateLimit><tt:BitrateLimit>${profile.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
        '<tt:Quality>4</tt:Quality></tr2:VideoEncoder>'
      : '') +
    (wants('Analytics') ? videoAnalyticsConfigurationXml('tr2:Analytics') : '');
  return `<tr2:Profiles token="${profile.token}" fixed="true"><tr2:Name>${profile.name}</tr2:Name>${
    types.length > 0 ? `<tr2:Configurations>${configurations}</tr2:Configurations>` : ''
  }</tr2:Profiles>`;
}

const CONFIGURATION_TYPES = [
  'All',
  'VideoSource',
  'VideoEncoder',
  'AudioSource',
  'AudioEncoder',
  'AudioOutput',
  'AudioDecoder',
  'Metadata',
  'Analytics',
  'PTZ',
  'Receiver',
];

export const media2Operations: Record<string, SoapHandler> = {
  GetProfiles: ({ operation }) => {
    const token = child(operation, 'Token')?.text;
    const types = operation.children.filter((c) => c.name === 'Type').map((c) => c.text);
    const unknownType = types.find((type) => !CONFIGURATION_TYPES.includes(type));
    if (unknownType)
      throw faults.invalidArgVal(`Type "${unknownType}" is not one of ${CONFIGURATION_TYPES.join(', ')}`);
    const selected = token === undefined ? PROFILES : PROFILES.filter((profile) => profile.token === token);
    if (selected.length === 0)
      throw faults.invalidArgVal(`Token "${token}" is not a profile of this camera`, 'ter:NoProfile');
    return {
      body: `<tr2:GetProfilesResponse>${selected.map((p) => profileXml(p, types)).join('')}</tr2:GetProfilesResponse>`,
    };
  },
  GetStreamUri: ({ operation }, context) => {
    const profile = requireProfile(operation);
    const protocol = child(operation, 'Protocol')?.text ?? 'RtspUnicast';
    if (!['RtspUnicast', 'RTSP', 'RtspOverHttp', 'RtspMulticast'].includes(protocol)) {
      throw faults.invalidArgVal(`Protocol "${protocol}" is not supported: use RtspUnicast`);
    }
    return {
      body: `<tr2:GetStreamUriResponse><tr2:Uri>${escapeXml(context.urls.stream(profile.token))}</tr2:Uri></tr2:GetStreamUriResponse>`,
    };
  },
  GetSnapshotUri: ({ operation }, context) => {
    const profile = requireProfile(operation);
    return {
      body: `<tr2:GetSnapshotUriResponse><tr2:Uri>${escapeXml(context.urls.snapshot(profile.token))}</tr2:Uri></tr2:GetSnapshotUriResponse>`,
    };
  },
};
