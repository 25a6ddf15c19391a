import { faults, NS, type SoapFault, TOPIC_DIALECT_CONCRETE, TOPIC_DIALECT_CONCRETE_SET } from './soap.js';
import { escapeXml, resolveQName, type XmlElement } from './xml.js';

export interface ItemDescription {
  name: string;
  type: string;
}

/** An ONVIF event topic the camera produces, in the tns1 (http://www.onvif.org/ver10/topics) namespace. */
export interface TopicDefinition {
  /** Path below tns1, e.g. ['RuleEngine', 'CellMotionDetector', 'Motion']. */
  path: readonly string[];
  isProperty: boolean;
  source: readonly ItemDescription[];
  data: readonly ItemDescription[];
}

export const VIDEO_SOURCE_TOKEN = 'VideoSource_1';
export const VIDEO_SOURCE_CONFIGURATION_TOKEN = 'VideoSourceConfig_1';
export const VIDEO_ANALYTICS_CONFIGURATION_TOKEN = 'VideoAnalyticsConfig_1';

const ruleSource: ItemDescription[] = [
  { name: 'VideoSourceConfigurationToken', type: 'tt:ReferenceToken' },
  { name: 'VideoAnalyticsConfigurationToken', type: 'tt:ReferenceToken' },
  { name: 'Rule', type: 'xs:string' },
];
const videoSource: ItemDescription[] = [{ name: 'Source', type: 'tt:ReferenceToken' }];

export const TOPICS = {
  cellMotion: {
    path: ['RuleEngine', 'CellMotionDetector', 'Motion'],
    isProperty: true,
    source: ruleSource,
    data: [{ name: 'IsMotion', type: 'xs:boolean' }],
  },
  motionAlarm: {
    path: ['VideoSource', 'MotionAlarm'],
    isProperty: true,
    source: videoSource,
    data: [{ name: 'State', type: 'xs:boolean' }],
  },
  tamper: {
    path: ['VideoSource', 'GlobalSceneChange', 'ImagingService'],
    isProperty: true,
    source: videoSource,
    data: [{ name: 'State', type: 'xs:boolean' }],
  },
  lineCrossed: {
    path: ['RuleEngine', 'LineDetector', 'Crossed'],
    isProperty: false,
    source: ruleSource,
    data: [{ name: 'ObjectId', type: 'xs:integer' }],
  },
  fieldDetection: {
    path: ['RuleEngine', 'FieldDetector', 'ObjectsInside'],
    isProperty: true,
    source: ruleSource,
    data: [{ name: 'IsInside', type: 'xs:boolean' }],
  },
} as const satisfies Record<string, TopicDefinition>;

export type TopicKey = keyof typeof TOPICS;
export const TOPIC_KEYS = Object.keys(TOPICS) as TopicKey[];

export function topicExpression(key: TopicKey): string {
  return `tns1:${TOPICS[key].path.join('/')}`;
}

/** wstop:TopicSet describing the topics, shaped like the Hikvision capture (unqualified child topics). */
export function topicSetXml(): string {
  interface Node {
    children: Map<string, Node>;
    definition?: TopicDefinition;
  }
  const root: Node = { children: new Map() };
  for (const definition of Object.values(TOPICS)) {
    let node = root;
    for (const segment of definition.path) {
      let next = node.children.get(segment);
      if (!next) {
        next = { children: new Map() };
        node.children.set(segment, next);
      }
      node = next;
    }
    node.definition = definition;
  }
  const items = (kind: 'Source' | 'Data', list: readonly ItemDescription[]) =>
    `<tt:${kind}>${list.map((item) => `<tt:SimpleItemDescription Name="${item.name}" Type="${item.type}"/>`).join('')}</tt:${kind}>`;
  const render = (name: string, node: Node): string => {
    const description = node.definition
      ? `<tt:MessageDescription IsProperty="${node.definition.isProperty}">${items('Source', node.definition.source)}${items('Data', node.definition.data)}</tt:MessageDescription>`
      : '';
    const inner = [...node.children].map(([childName, childNode]) => render(childName, childNode)).join('');
    return `<${name} wstop:topic="true">${description}${inner}</${name}>`;
  };
  return `<wstop:TopicSet>${[...root.children].map(([name, node]) => render(`tns1:${name}`, node)).join('')}</wstop:TopicSet>`;
}

/** Which topics a subscription receives: all of them, or those matched by a ConcreteSet topic expression. */
export type TopicFilter = ReadonlySet<TopicKey>;

export const ALL_TOPICS: TopicFilter = new Set(TOPIC_KEYS);

/**
 * Reads wsnt:Filter/wsnt:TopicExpression. ConcreteSet dialect: concrete paths joined by '|', each
 * optionally ending in '//.' (the topic and all below it). Prefixes are resolved against the request's
 * namespace declarations, so `foo:RuleEngine` with foo bound to the ONVIF topic namespace works too.
 */
export function readTopicFilter(filter: XmlElement | undefined, timestamp: string): TopicFilter {
  if (!filter) return ALL_TOPICS;
  const expressions = filter.children.filter((c) => c.name === 'TopicExpression' && c.ns === NS.wsnt);
  const unsupported = filter.children.find((c) => !(c.name === 'TopicExpression' && c.ns === NS.wsnt));
  if (unsupported) {
    throw faults.notification(
      'Sender',
      'InvalidFilterFault',
      `the filter ${unsupported.name} is not supported: only wsnt:TopicExpression (ConcreteSet dialect) is`,
      timestamp,
    );
  }
  if (expressions.length === 0) return ALL_TOPICS;
  const selected = new Set<TopicKey>();
  for (const expression of expressions) {
    const dialect = expression.attrs.Dialect ?? TOPIC_DIALECT_CONCRETE_SET;
    if (dialect !== TOPIC_DIALECT_CONCRETE_SET && dialect !== TOPIC_DIALECT_CONCRETE) {
      throw faults.notification(
        'Sender',
        'TopicExpressionDialectUnknownFault',
        `unknown topic expression dialect ${dialect}: use ${TOPIC_DIALECT_CONCRETE_SET}`,
        timestamp,
      );
    }
    for (const key of matchExpression(expression, dialect, timestamp)) selected.add(key);
  }
  if (selected.size === 0) {
    throw faults.notification(
      'Sender',
      'TopicNotSupportedFault',
      `no topic of this camera matches the filter; topics: ${TOPIC_KEYS.map(topicExpression).join(', ')}`,
      timestamp,
    );
  }
  return selected;
}

function matchExpression(expression: XmlElement, dialect: string, timestamp: string): TopicKey[] {
  const invalid = (why: string): SoapFault =>
    faults.notification(
      'Sender',
      'InvalidTopicExpressionFault',
      `invalid topic expression "${expression.text}": ${why}`,
      timestamp,
    );
  const terms = expression.text.split('|').map((term) => term.trim());
  if (dialect === TOPIC_DIALECT_CONCRETE && terms.length > 1) throw invalid("'|' needs the ConcreteSet dialect");
  const matched: TopicKey[] = [];
  for (const term of terms) {
    const descendants = term.endsWith('//.');
    if (descendants && dialect === TOPIC_DIALECT_CONCRETE) throw invalid("'//.' needs the ConcreteSet dialect");
    const path = descendants ? term.slice(0, -3) : term;
    const segments = path.split('/');
    if (path === '' || segments.some((segment) => !/^([A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*$/.test(segment))) {
      throw invalid('expected prefix:Topic/SubTopic, optionally ending in //.');
    }
    const [first = ''] = segments;
    const { ns } = resolveQName(expression, first);
    if (ns === undefined && first.includes(':')) throw invalid(`prefix of ${first} is not declared`);
    if (ns !== NS.tns1) continue;
    const locals = segments.map((segment) => segment.slice(segment.indexOf(':') + 1));
    for (const key of TOPIC_KEYS) {
      const topicPath = TOPICS[key].path;
      const prefixMatches = locals.every((local, index) => topicPath[index] === local);
      if (prefixMatches && (descendants ? topicPath.length >= locals.length : topicPath.length === locals.length)) {
        matched.push(key);
      }
    }
  }
  return matched;
}

export interface NotificationMessage {
  topic: TopicKey;
  /** Camera-clock time of the event. */
  utcTime: string;
  propertyOperation?: 'Initialized' | 'Changed' | 'Deleted';
  source: ReadonlyArray<readonly [string, string]>;
  data: ReadonlyArray<readonly [string, string]>;
}

/** A wsnt:NotificationMessage shaped like the recorded cameras' events. */
export function notificationMessageXml(message: NotificationMessage, subscriptionAddress?: string): string {
  const items = (list: ReadonlyArray<readonly [string, string]>) =>
    list.map(([name, value]) => `<tt:SimpleItem Name="${escapeXml(name)}" Value="${escapeXml(value)}"/>`).join('');
  const operation = message.propertyOperation ? ` PropertyOperation="${message.propertyOperation}"` : '';
  const reference = subscriptionAddress
    ? `<wsnt:SubscriptionReference><wsa:Address>${escapeXml(subscriptionAddress)}</wsa:Address></wsnt:SubscriptionReference>`
    : '';
  return (
    `<wsnt:NotificationMessage>${reference}` +
    `<wsnt:Topic Dialect="${TOPIC_DIALECT_CONCRETE_SET}">${topicExpression(message.topic)}</wsnt:Topic>` +
    `<wsnt:Message><tt:Message UtcTime="${escapeXml(message.utcTime)}"${operation}>` +
    `<tt:Source>${items(message.source)}</tt:Source><tt:Data>${items(message.data)}</tt:Data>` +
    '</tt:Message></wsnt:Message></wsnt:NotificationMessage>'
  );
}
