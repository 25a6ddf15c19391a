import type { SoapHandler } from './service-context.js';
import { NS, SoapFault } from './soap.js';
import { localParts } from './time.js';
import { child, escapeXml } from './xml.js';

function dateTimeXml(date: Date): string {
  return (
    `<tt:Time><tt:Hour>${date.getUTCHours()}</tt:Hour><tt:Minute>${date.getUTCMinutes()}</tt:Minute><tt:Second>${date.getUTCSeconds()}</tt:Second></tt:Time>` +
    `<tt:Date><tt:Year>${date.getUTCFullYear()}</tt:Year><tt:Month>${date.getUTCMonth() + 1}</tt:Month><tt:Day>${date.getUTCDate()}</tt:Day></tt:Date>`
  );
}

const getSystemDateAndTime: SoapHandler = (_call, context) => {
  const now = context.cameraNow();
  return {
    body:
      '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>' +
      '<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>' +
      '<tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone>' +
      `<tt:UTCDateTime>${dateTimeXml(new Date(now))}</tt:UTCDateTime>` +
      `<tt:LocalDateTime>${dateTimeXml(localParts(now))}</tt:LocalDateTime>` +
      '</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>',
  };
};

const getDeviceInformation: SoapHandler = (_call, { information }) => ({
  body:
    '<tds:GetDeviceInformationResponse>' +
    `<tds:Manufacturer>${escapeXml(information.manufacturer)}</tds:Manufacturer>` +
    `<tds:Model>${escapeXml(information.model)}</tds:Model>` +
    `<tds:FirmwareVersion>${escapeXml(information.firmwareVersion)}</tds:FirmwareVersion>` +
    `<tds:SerialNumber>${escapeXml(information.serialNumber)}</tds:SerialNumber>` +
    `<tds:HardwareId>${escapeXml(information.hardwareId)}</tds:HardwareId>` +
    '</tds:GetDeviceInformationResponse>',
});

const getScopes: SoapHandler = (_call, { scopes }) => ({
  body: `<tds:GetScopesResponse>${scopes
    .map(
      (scope) =>
        `<tds:Scopes><tt:ScopeDef>${scope.includes('/name/') || scope.includes('/location/') ? 'Configurable' : 'Fixed'}</tt:ScopeDef><tt:ScopeItem>${escapeXml(scope)}</tt:ScopeItem></tds:Scopes>`,
    )
    .join('')}</tds:GetScopesResponse>`,
});

const getCapabilities: SoapHandler = ({ operation }, { urls }) => {
  const categories = operation.children.filter((c) => c.name === 'Category').map((c) => c.text);
  const wants = (category: string) =>
    categories.length === 0 || categories.includes('All') || categories.includes(category);
  const known = ['All', 'Analytics', 'Device', 'Events', 'Imaging', 'Media', 'PTZ'];
  const unknown = categories.find((category) => !known.includes(category));
  if (unknown || (categories.length > 0 && !categories.some((c) => ['All', 'Device', 'Events', 'Media'].includes(c)))) {
    throw new SoapFault({
      code: 'Receiver',
      subcodes: ['ter:ActionNotSupported', 'ter:NoSuchService'],
      reason: `this camera offers the Device, Events and Media capability categories, not ${categories.join(', ')}`,
    });
  }
  const device = wants('Device')
    ? `<tt:Device><tt:XAddr>${escapeXml(urls.device)}</tt:XAddr>` +
      '<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration><tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>' +
      '<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>' +
      '<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions><tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>0</tt:Minor></tt:SupportedVersions></tt:System>' +
      '<tt:IO><tt:InputConnectors>0</tt:InputConnectors><tt:RelayOutputs>0</tt:RelayOutputs></tt:IO>' +
      '<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>false</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig><tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken><tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security>' +
      '</tt:Device>'
    : '';
  const events = wants('Events')
    ? `<tt:Events><tt:XAddr>${escapeXml(urls.events)}</tt:XAddr><tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport><tt:WSPullPointSupport>true</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>`
    : '';
  const media = wants('Media')
    ? `<tt:Media><tt:XAddr>${escapeXml(urls.media)}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>`
    : '';
  return {
    body: `<tds:GetCapabilitiesResponse><tds:Capabilities>${device}${events}${media}</tds:Capabilities></tds:GetCapabilitiesResponse>`,
  };
};

function serviceXml(namespace: string, xaddr: string, capabilities: string | undefined, minor: number): string {
  return (
    `<tds:Service><tds:Namespace>${namespace}</tds:Namespace><tds:XAddr>${escapeXml(xaddr)}</tds:XAddr>` +
    (capabilities === undefined ? '' : `<tds:Capabilities>${capabilities}</tds:Capabilities>`) +
    `<tds:Version><tt:Major>${namespace === NS.tr2 ? 20 : 2}</tt:Major><tt:Minor>${minor}</tt:Minor></tds:Version></tds:Service>`
  );
}

const getServices: SoapHandler = ({ operation }, context) => {
  const include = child(operation, 'IncludeCapability')?.text === 'true';
  const { urls, pushSupported } = context;
  const capabilities = (xml: string) => (include ? xml : undefined);
  return {
    body:
      '<tds:GetServicesResponse>' +
      serviceXml(
        NS.tds,
        urls.device,
        capabilities(
          '<tds:Capabilities><tds:Network IPFilter="false" ZeroConfiguration="false" IPVersion6="false" DynDNS="false"/>' +
            '<tds:Security UsernameToken="true" HttpDigest="true"/>' +
            '<tds:System DiscoveryResolve="false" DiscoveryBye="true" RemoteDiscovery="false" SystemBackup="false" SystemLogging="false" FirmwareUpgrade="false"/></tds:Capabilities>',
        ),
        60,
      ) +
      serviceXml(
        NS.trt,
        urls.media,
        capabilities(
          '<trt:Capabilities SnapshotUri="true" Rotation="false"><trt:ProfileCapabilities MaximumNumberOfProfiles="2"/>' +
            '<trt:StreamingCapabilities RTPMulticast="false" RTP_TCP="true" RTP_RTSP_TCP="true"/></trt:Capabilities>',
        ),
        60,
      ) +
      serviceXml(
        NS.tr2,
        urls.media2,
        capabilities(
          '<tr2:Capabilities SnapshotUri="true" Rotation="false"><tr2:ProfileCapabilities MaximumNumberOfProfiles="2"/>' +
            '<tr2:StreamingCapabilities RTSPStreaming="true" RTPMulticast="false"/></tr2:Capabilities>',
        ),
        0,
      ) +
      serviceXml(
        NS.tev,
        urls.events,
        capabilities(
          `<tev:Capabilities WSSubscriptionPolicySupport="false" WSPullPointSupport="true" WSPausableSubscriptionManagerInterfaceSupport="false" MaxNotificationProducers="${pushSupported ? 10 : 0}" MaxPullPoints="10"/>`,
        ),
        60,
      ) +
      '</tds:GetServicesResponse>',
  };
};

const systemReboot: SoapHandler = (_call, context) => {
  context.scheduleReboot();
  return { body: '<tds:SystemRebootResponse><tds:Message>Rebooting</tds:Message></tds:SystemRebootResponse>' };
};

export const deviceOperations: Record<string, SoapHandler> = {
  GetSystemDateAndTime: getSystemDateAndTime,
  GetDeviceInformation: getDeviceInformation,
  GetScopes: getScopes,
  GetCapabilities: getCapabilities,
  GetServices: getServices,
  SystemReboot: systemReboot,
};
