import { parseCameraTime } from './camera-time.js';
import { attribute, child, children, text, type XmlNode } from './xml.js';

/** One ONVIF event notification (tt:Message inside wsnt:NotificationMessage). */
export interface CameraNotification {
  /** The topic with namespace prefixes removed: `RuleEngine/CellMotionDetector/Motion`. */
  topic: string;
  /** The topic as the camera wrote it (`tns1:RuleEngine/CellMotionDetector/Motion`). */
  rawTopic: string;
  /** Camera-clock time of the event, when readable. */
  utcTime?: number;
  /** Initialized (sent on subscribe / SetSynchronizationPoint), Changed or Deleted; absent for plain events. */
  propertyOperation?: 'Initialized' | 'Changed' | 'Deleted';
  source: Record<string, string>;
  data: Record<string, string>;
}

/** `tns1:RuleEngine/tnshik:Foo/Bar` → `RuleEngine/Foo/Bar`; a ConcreteSet's `|` alternatives keep the first. */
export function normaliseTopic(raw: string): string {
  const first = raw.split('|')[0] ?? '';
  return first
    .trim()
    .split('/')
    .map((segment) => segment.split(':').pop() ?? '')
    .filter((segment) => segment !== '')
    .join('/');
}

function simpleItems(node: XmlNode | undefined): Record<string, string> {
  const items: Record<string, string> = {};
  for (const item of children(node, 'SimpleItem')) {
    const name = attribute(item, 'Name');
    const value = attribute(item, 'Value');
    if (name !== undefined && value !== undefined) items[name] = value;
  }
  return items;
}

const OPERATIONS = new Set(['Initialized', 'Changed', 'Deleted']);

/** The notifications of a PullMessagesResponse or a Notify body (the element holding NotificationMessage). */
export function parseNotificationMessages(container: XmlNode | undefined): CameraNotification[] {
  return children(container, 'NotificationMessage').flatMap((notification) => {
    const rawTopic = text(notification, 'Topic');
    if (!rawTopic) return [];
    // wsnt:Message wraps tt:Message; with prefixes removed both are `Message`.
    const outer = child(notification, 'Message');
    const message = child(outer, 'Message') ?? outer;
    const operation = attribute(message, 'PropertyOperation');
    const utcTime = parseCameraTime(attribute(message, 'UtcTime'));
    return [
      {
        topic: normaliseTopic(rawTopic),
        rawTopic,
        ...(utcTime !== undefined ? { utcTime } : {}),
        ...(operation && OPERATIONS.has(operation)
          ? { propertyOperation: operation as CameraNotification['propertyOperation'] }
          : {}),
        source: simpleItems(child(message, 'Source')),
        data: simpleItems(child(message, 'Data')),
      },
    ];
  });
}

export interface PullMessagesResult {
  currentTime?: number;
  terminationTime?: number;
  notifications: CameraNotification[];
}

export function parsePullMessages(body: XmlNode): PullMessagesResult {
  const response = child(body, 'PullMessagesResponse');
  if (!response) throw new Error('PullMessages: the answer has no PullMessagesResponse');
  const currentTime = parseCameraTime(text(response, 'CurrentTime'));
  const terminationTime = parseCameraTime(text(response, 'TerminationTime'));
  return {
    ...(currentTime !== undefined ? { currentTime } : {}),
    ...(terminationTime !== undefined ? { terminationTime } : {}),
    notifications: parseNotificationMessages(response),
  };
}

/** A WS-BaseNotification Notify the camera pushed to the gateway. */
export function parseNotify(body: XmlNode): CameraNotification[] {
  return parseNotificationMessages(child(body, 'Notify'));
}
