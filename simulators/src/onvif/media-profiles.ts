import { VIDEO_ANALYTICS_CONFIGURATION_TOKEN, VIDEO_SOURCE_CONFIGURATION_TOKEN, VIDEO_SOURCE_TOKEN } from './topics.js';

/** The camera's fixed media setup: one sensor, a main and a sub stream, both H.264. */
export interface StreamProfile {
  token: string;
  name: string;
  encoderToken: string;
  width: number;
  height: number;
  frameRate: number;
  bitrateKbps: number;
  govLength: number;
}

export const SENSOR = { token: VIDEO_SOURCE_TOKEN, width: 1920, height: 1080, frameRate: 25 } as const;

export const PROFILES: readonly StreamProfile[] = [
  {
    token: 'Profile_1',
    name: 'mainStream',
    encoderToken: 'VideoEncoder_1',
    width: 1920,
    height: 1080,
    frameRate: 25,
    bitrateKbps: 4096,
    govLength: 50,
  },
  {
    token: 'Profile_2',
    name: 'subStream',
    encoderToken: 'VideoEncoder_2',
    width: 640,
    height: 360,
    frameRate: 15,
    bitrateKbps: 512,
    govLength: 30,
  },
];

export function findProfile(token: string | undefined): StreamProfile | undefined {
  return PROFILES.find((profile) => profile.token === token);
}

export function videoSourceConfigurationXml(element: string): string {
  return (
    `<${element} token="${VIDEO_SOURCE_CONFIGURATION_TOKEN}"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>${PROFILES.length}</tt:UseCount>` +
    `<tt:SourceToken>${SENSOR.token}</tt:SourceToken><tt:Bounds x="0" y="0" width="${SENSOR.width}" height="${SENSOR.height}"/></${element}>`
  );
}

/** Analytics configuration whose rules are the Source of the RuleEngine events. */
export function videoAnalyticsConfigurationXml(element: string): string {
  const rule = (name: string, type: string) => `<tt:Rule Name="${name}" Type="${type}"><tt:Parameters/></tt:Rule>`;
  return (
    `<${element} token="${VIDEO_ANALYTICS_CONFIGURATION_TOKEN}"><tt:Name>VideoAnalyticsConfig</tt:Name><tt:UseCount>${PROFILES.length}</tt:UseCount>` +
    '<tt:AnalyticsEngineConfiguration><tt:AnalyticsModule Name="MyCellMotionModule" Type="tt:CellMotionEngine"><tt:Parameters/></tt:AnalyticsModule></tt:AnalyticsEngineConfiguration>' +
    `<tt:RuleEngineConfiguration>${rule(RULES.motion, 'tt:CellMotionDetector')}${rule(RULES.line, 'tt:LineDetector')}${rule(RULES.field, 'tt:FieldDetector')}</tt:RuleEngineConfiguration>` +
    `</${element}>`
  );
}

export const RULES = {
  motion: 'MyMotionDetectorRule',
  line: 'MyLineDetectorRule',
  field: 'MyFieldDetectorRule',
} as const;
