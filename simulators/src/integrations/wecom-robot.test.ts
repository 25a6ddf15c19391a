import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WecomRobotSimulator } from './wecom-robot.js';

const KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';

describe('the local stand-in for a WeCom group robot', () => {
  const robot = new WecomRobotSimulator({ key: KEY, now: () => new Date('2026-12-06T09:00:00Z') });
  beforeAll(() => robot.start());
  afterAll(() => robot.stop());

  const post = (body: unknown, url = robot.webhookUrl) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }).then(async (response) => ({ status: response.status, body: await response.json() }));

  it('posts a text message with mentions, answering errcode 0', async () => {
    const message = {
      msgtype: 'text',
      text: {
        content: '事件已办结:3号楼烟感报警',
        mentioned_list: ['wangwei'],
        mentioned_mobile_list: ['13800001111'],
      },
    };
    expect(await post(message)).toEqual({ status: 200, body: { errcode: 0, errmsg: 'ok' } });
    expect(robot.posted.at(-1)).toEqual({ message, received_at: '2026-12-06T09:00:00.000Z' });
  });

  it('posts a markdown message', async () => {
    const message = { msgtype: 'markdown', markdown: { content: '## 事件办结\n> <font color="info">已办结</font>' } };
    expect((await post(message)).body).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(robot.posted.at(-1)?.message).toEqual(message);
  });

  it("answers errcode 93000 to a key that is not the robot's, and posts nothing", async () => {
    const before = robot.posted.length;
    const wrong = await post(
      { msgtype: 'text', text: { content: 'hi' } },
      `${robot.url}/cgi-bin/webhook/send?key=nope`,
    );
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ errcode: 93000, errmsg: expect.stringMatching(/^invalid webhook url/) });
    const none = await post({ msgtype: 'text', text: { content: 'hi' } }, `${robot.url}/cgi-bin/webhook/send`);
    expect(none.body).toMatchObject({ errcode: 93000 });
    expect(robot.posted).toHaveLength(before);
  });

  it("answers the robot's error codes to a bad message, naming the field", async () => {
    expect((await post({ msgtype: 'news', news: {} })).body).toMatchObject({
      errcode: 40008,
      errmsg: expect.stringContaining('msgtype "news"'),
    });
    expect((await post({ msgtype: 'text', text: { content: '  ' } })).body).toMatchObject({
      errcode: 44004,
      errmsg: expect.stringContaining('text.content is empty'),
    });
    expect((await post({ msgtype: 'markdown', markdown: {} })).body).toMatchObject({
      errcode: 40035,
      errmsg: expect.stringContaining('markdown.content: missing'),
    });
    expect((await post({ msgtype: 'text', text: { content: '长'.repeat(700) } })).body).toMatchObject({
      errcode: 45002,
      errmsg: expect.stringContaining('2100 bytes, at most 2048'),
    });
    expect((await post('{not json')).body).toMatchObject({
      errcode: 40035,
      errmsg: expect.stringContaining('body: not JSON'),
    });
  });
});
