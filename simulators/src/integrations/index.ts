export {
  type EndpointListen,
  SimulatedEndpoint,
} from './http-endpoint.js';
export {
  type IpSpeakerOptions,
  IpSpeakerSimulator,
  SpeakerBroadcastRequest,
  type SpokenBroadcast,
} from './ip-speaker.js';
export { type SentSms, type SmsProviderOptions, SmsProviderSimulator, SmsSendRequest } from './sms-provider.js';
export {
  chinaTime,
  signVendorBody,
  VendorAccessEvent,
  type VendorAccessOptions,
  VendorAccessSimulator,
  type VendorDoor,
  VendorEventRequest,
  type VendorWebhook,
  type WebhookDelivery,
} from './vendor-access.js';
export {
  type PostedWecomMessage,
  WecomRobotMessage,
  type WecomRobotOptions,
  WecomRobotSimulator,
} from './wecom-robot.js';
