/**
 * Text someone else wrote (an incident's title and description from a reporter, an alert's message
 * from a device field through a rule template, an address) made safe for a group robot's markdown:
 * it cannot mention people (`@all`, `@13800000000`, WeCom's `<@userid>`), carry a link or a URL,
 * or format the message (headings, quotes, emphasis, HTML such as WeCom's `<font>`). The words
 * stay readable: markdown characters become their full-width forms, which no platform formats.
 */
const LINK_REMOVED = '(链接已删除 link removed)';
const MAX_CHARS = 500;

/** Markdown and HTML punctuation → the full-width character that reads the same. */
const FULL_WIDTH: Record<string, string> = {
  '*': '＊',
  _: '＿',
  '[': '［',
  ']': '］',
  '(': '（',
  ')': '）',
  '<': '＜',
  '>': '＞',
  '#': '＃',
  '`': '｀',
  '~': '～',
  '|': '｜',
  '!': '！',
  '\\': '＼',
  '@': '＠',
  '&': '＆',
};

const LEADING: Record<string, string> = { '+': '＋', '-': '－', '=': '＝' };

export function robotSafeText(untrusted: string): string {
  let text = untrusted
    .replace(/\s+/g, ' ')
    // Controls and invisible format characters (zero-width, direction) would let `@\u200ball` or
    // `ht\u200btp://` slip through the patterns below.
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim();
  // Links: markdown [label](target) keeps its label; then anything that looks like a URL goes.
  text = text.replace(/!?\[([^\]]*)\]\([^)]*\)/g, (_whole, label: string) => `${label} ${LINK_REMOVED}`);
  text = text.replace(/<[a-z][a-z0-9+.-]*:[^>]*>/gi, LINK_REMOVED);
  text = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, LINK_REMOVED);
  text = text.replace(/\bwww\.\S+/gi, LINK_REMOVED);
  // Mentions: WeCom's <@userid> goes whole; any other @ is made inert below.
  text = text.replace(/<@[^>]*>/g, '');
  text = text.replace(/[*_[\]()<>#`~|!\\@&]/g, (char) => FULL_WIDTH[char] ?? char);
  // A leading list marker or ordered-list number would still format the paragraph.
  text = text.replace(/^([+\-=]|\d+\.)(?=\s|$)/, (marker) =>
    marker.endsWith('.') ? `${marker.slice(0, -1)}．` : (LEADING[marker] ?? marker),
  );
  text = text.replace(/\s+/g, ' ').trim();
  return text.length <= MAX_CHARS ? text : `${text.slice(0, MAX_CHARS - 1)}…`;
}
