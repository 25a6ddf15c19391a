/**
 * The third-party systems the ready Node-RED flows talk to, simulated for `npm start`: an SMS
 * provider (family notifications), an IP speaker (voice broadcast), a WeCom group robot and a
 * vendor's access-control system posting its webhook. Their keys are made for each run and kept in
 * owner-only files; the flows get the addresses and keys through Node-RED's environment.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecret } from '@gridlink/gateway';
import {
  IpSpeakerSimulator,
  SmsProviderSimulator,
  VendorAccessSimulator,
  type VendorDoor,
  WecomRobotSimulator,
} from '@gridlink/simulators';

/** The vendor system's doors (its own serial numbers, not Gridlink device ids). */
export const VENDOR_DOORS: readonly VendorDoor[] = [
  { deviceSn: 'VD-GATE-N-01', doorNo: 1, doorName: '北门人行门' },
  { deviceSn: 'VD-GARAGE-01', doorNo: 1, doorName: '地库入口门' },
];

/**
 * The Gridlink device each vendor door is registered as (`access_control`, its id the ready vendor
 * flow derives: `<deviceSn>-<doorNo>` in lower case): the Node-RED account ingests as these.
 */
export const vendorDoorDeviceId = (door: Pick<VendorDoor, 'deviceSn' | 'doorNo'>) =>
  `${door.deviceSn.toLowerCase()}-${door.doorNo}`;

export const SPEAKER_ZONES = ['all', 'gate-north', 'garage', 'b1-lobby', 'b2-lobby', 'b3-lobby'] as const;

export interface StartedIntegrations {
  sms: SmsProviderSimulator;
  speaker: IpSpeakerSimulator;
  wecom: WecomRobotSimulator;
  vendor: VendorAccessSimulator;
  /** What the ready flows read (Node-RED substitutes `${NAME}` in node properties). */
  env: Record<string, string>;
  /** Secrets of the vendor's webhook, for pointing it at the flow that receives it. */
  vendorWebhookSecret: string;
  summary(): string;
  stop(): Promise<void>;
}

export async function startIntegrations(secretsDir: string): Promise<StartedIntegrations> {
  const dir = join(secretsDir, 'integrations');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const keep = (name: string, content: string) => {
    const file = join(dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    chmodSync(file, 0o600);
    return file;
  };

  const smsKey = generateSecret(24);
  const speakerPassword = generateSecret(18);
  const wecomKey = generateSecret(24);
  const vendorKey = generateSecret(24);
  const vendorWebhookSecret = generateSecret(24);
  const sms = await new SmsProviderSimulator({ apiKey: smsKey }).start();
  const speaker = await new IpSpeakerSimulator({
    username: 'broadcast',
    password: speakerPassword,
    zones: SPEAKER_ZONES,
  }).start();
  const wecom = await new WecomRobotSimulator({ key: wecomKey }).start();
  const vendor = await new VendorAccessSimulator({ apiKey: vendorKey, doors: VENDOR_DOORS }).start();

  // curl reads a header from a file (-H @file): keys stay out of command lines and shell history.
  const smsHeader = keep('sms.header', `authorization: Bearer ${smsKey}\n`);
  const speakerNetrc = keep('speaker.netrc', `machine 127.0.0.1 login broadcast password ${speakerPassword}\n`);
  const vendorHeader = keep('vendor.header', `x-api-key: ${vendorKey}\n`);
  const wecomUrlFile = keep('wecom.url', `${wecom.webhookUrl}\n`);

  return {
    sms,
    speaker,
    wecom,
    vendor,
    vendorWebhookSecret,
    env: {
      GRIDLINK_SMS_URL: `${sms.url}/v1/messages`,
      GRIDLINK_SMS_API_KEY: smsKey,
      GRIDLINK_SPEAKER_URL: `${speaker.url}/api/v1/broadcast`,
      GRIDLINK_SPEAKER_USER: 'broadcast',
      GRIDLINK_SPEAKER_PASSWORD: speakerPassword,
      GRIDLINK_WECOM_WEBHOOK: wecom.webhookUrl,
      GRIDLINK_VENDOR_WEBHOOK_SECRET: vendorWebhookSecret,
    },
    summary: () =>
      [
        `Simulated third-party systems for the flows (keys made for this run, in ${dir}, owner-only):`,
        `      SMS provider    ${sms.url}   what it sent:     curl -s -H @'${smsHeader}' ${sms.url}/v1/messages`,
        `      IP speaker      ${speaker.url}   what it spoke:    curl -s --netrc-file '${speakerNetrc}' ${speaker.url}/api/v1/broadcasts`,
        `      WeCom robot     ${wecom.url}   (its webhook URL with its key is in ${wecomUrlFile})`,
        `      Vendor access   ${vendor.url}   make a door report: curl -s -H @'${vendorHeader}' -H 'content-type: application/json' \\`,
        `          -d '{"eventType":"DOOR_HELD_OPEN","deviceSn":"${VENDOR_DOORS[0]?.deviceSn}","heldSeconds":120}' ${vendor.url}/api/v1/events`,
      ].join('\n'),
    stop: async () => {
      await Promise.all([sms.stop(), speaker.stop(), wecom.stop(), vendor.stop()]);
    },
  };
}
