/**
 * Node-RED as `npm start` runs it: on port 1880 (or another free one when 1880 is taken and no
 * port was asked for), with the Gridlink nodes from flows/ (built at every start), the ready flows
 * at its first start, and the simulated third-party systems in its environment. The console prints
 * its URL and, at the first start only, the editor's password.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePalette } from '@gridlink/flows/build';
import { NODE_RED_HOOKS_ROOT, prepareNodeRed } from './node-red-settings.js';
import { freePort, portInUse, portIsFree, type RunningNodeRed, startNodeRed } from './start-node-red.js';

export const NODE_RED_DEFAULT_PORT = 1880;
const FLOWS_PACKAGE = fileURLToPath(new URL('../flows', import.meta.url));
const PORT_SETTING = '--node-red-port';
/** Warnings every start gives by design (projects are off; no flow has credentials yet). */
const EXPECTED_WARNINGS = /Projects disabled|Encrypted credentials not found/;

export interface StartedFlows {
  nodeRed: RunningNodeRed;
  /** Where the flows' http-in endpoints are, and the account webhook senders present there. */
  hooks: { url: string; authorization: string };
  summary: string;
}

/** The node types flows/ declares (its package.json's `node-red.nodes`). */
export function declaredNodeTypes(): string[] {
  const manifest = JSON.parse(readFileSync(join(FLOWS_PACKAGE, 'package.json'), 'utf8')) as {
    'node-red'?: { nodes?: Record<string, string> };
  };
  return Object.keys(manifest['node-red']?.nodes ?? {});
}

/**
 * The Gridlink nodes, built in flows/ when their sources changed since the build there (see
 * ensurePalette: Node-RED finds flows/ through npm's workspace link whatever else it is told, and
 * the build there is locked and swapped in whole, so runs and tests side by side share it). The
 * package folder to load, or why there is none.
 */
export async function buildGridlinkNodes(
  say: (line: string) => void = () => {},
): Promise<{ dir?: string; note: string }> {
  if (declaredNodeTypes().length === 0)
    return { note: 'the Gridlink nodes are not written yet (flows/ declares none)' };
  say('node-red    building the Gridlink nodes from flows/ (when changed)');
  try {
    const built = await ensurePalette();
    return { dir: built.packageDir, note: `the Gridlink nodes loaded: ${built.nodeTypes.join(', ')}` };
  } catch (err) {
    return { note: `the Gridlink nodes did not build, so none are loaded: ${(err as Error).message}` };
  }
}

export async function startFlows(options: {
  dataDir: string;
  /** --node-red-port, when given (0 picks a free port). */
  requestedPort: number | undefined;
  env: Record<string, string>;
  say: (line: string) => void;
}): Promise<StartedFlows> {
  let port = options.requestedPort ?? NODE_RED_DEFAULT_PORT;
  let portNote = '';
  if (port === 0) port = await freePort();
  else if (!(await portIsFree(port))) {
    if (options.requestedPort !== undefined) throw portInUse(port, PORT_SETTING);
    portNote = ` (port ${NODE_RED_DEFAULT_PORT} is in use by another program, so a free port was chosen; ${PORT_SETTING} sets one)`;
    port = await freePort();
  }

  const nodes = await buildGridlinkNodes(options.say);
  const prepared = await prepareNodeRed({
    dataDir: options.dataDir,
    port,
    ...(nodes.dir ? { nodesPackageDir: nodes.dir } : {}),
    readyFlowsDir: join(FLOWS_PACKAGE, 'ready'),
  });
  // Node-RED's own log goes to a file; its warnings and errors also to the console.
  const logFile = join(prepared.userDir, 'node-red.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const nodeRed = await startNodeRed(prepared, {
    portSetting: PORT_SETTING,
    env: options.env,
    onUnexpectedExit: (code) =>
      options.say(`node-red    Node-RED stopped by itself (exit code ${code}); its log: ${logFile}`),
    onLine: (line) => {
      log.write(`${line}\n`);
      if (/\[(warn|error)\]/.test(line) && !EXPECTED_WARNINGS.test(line))
        options.say(`node-red    ${line.replace(/^.*?\[(warn|error)\]/, '[$1]')}`);
    },
  });
  const stop = nodeRed.stop;
  nodeRed.stop = async () => {
    await stop();
    log.end();
  };

  const { admin } = prepared;
  const password = admin.newPassword
    ? `its password, shown only now (at the first start; only its hash is kept):
      ${admin.newPassword}`
    : `its password was shown at the first start; for a new one delete ${admin.accessFile} and start again`;
  const flowsNote =
    prepared.readyFlowsLoaded > 0
      ? `${prepared.readyFlowsLoaded} ready flows put in ${join(prepared.userDir, 'flows.json')}`
      : `flows from ${join(prepared.userDir, 'flows.json')} (delete it to start again from flows/ready)`;
  return {
    nodeRed,
    hooks: {
      url: `${nodeRed.url}${NODE_RED_HOOKS_ROOT}`,
      authorization: `Basic ${Buffer.from(`${prepared.hooks.username}:${prepared.hooks.password}`).toString('base64')}`,
    },
    summary: `Node-RED editor:     ${nodeRed.url}/${portNote}   sign in as ${admin.username}; ${password}
      ${nodes.note}; ${flowsNote}; its log: ${logFile}
      webhooks into the flows: ${nodeRed.url}${NODE_RED_HOOKS_ROOT}/…, HTTP basic auth as ${prepared.hooks.username} (password in ${prepared.hooks.passwordFile}, owner-only)`,
  };
}
