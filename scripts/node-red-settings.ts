/**
 * Node-RED for `npm start`: its user directory under the data directory and a settings file made
 * for it. The editor and its admin API listen on 127.0.0.1 only and ask for a password: the
 * `integrator` account's password is generated at the first start, handed back once for the
 * console to print, and kept only as a bcrypt hash (an owner-only file). The secret Node-RED
 * encrypts flow credentials with is generated once and kept owner-only too, so the flows'
 * credentials stay readable across runs.
 *
 * The http-in endpoints of the flows (webhooks such as the vendor's access-control system) sit
 * under /hooks behind HTTP basic auth of their own account (`hooks`): a machine credential, kept
 * in clear in an owner-only file because the senders configured in development must present it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import bcrypt from 'bcryptjs';
import { z } from 'zod';

export const NODE_RED_ADMIN = 'integrator';
export const NODE_RED_HOOKS_USER = 'hooks';
/** Where the flows' http-in endpoints are served. */
export const NODE_RED_HOOKS_ROOT = '/hooks';
const BCRYPT_COST = 10;

export interface NodeRedSetupOptions {
  /** npm start's data directory: Node-RED's user directory and its secrets go beneath it. */
  dataDir: string;
  /** The editor's port on 127.0.0.1 (chosen before Node-RED starts; see start-node-red.ts). */
  port: number;
  /** A Node-RED palette package to load (its package.json has a `node-red` section), if built. */
  nodesPackageDir?: string;
  /** Importable flows (`*.json`, each a list of nodes) put in the flow file at the first start. */
  readyFlowsDir?: string;
}

export interface PreparedNodeRed {
  userDir: string;
  settingsFile: string;
  port: number;
  admin: {
    username: string;
    /** Only at the first start (or after a reset): print it once, never log it. */
    newPassword?: string;
    /** Holds the password's hash; delete it to get a new password at the next start. */
    accessFile: string;
  };
  /** The account webhook senders present to the flows' http-in endpoints. */
  hooks: { username: string; password: string; passwordFile: string };
  /** How many ready flows were put in the flow file now (0 when it existed already). */
  readyFlowsLoaded: number;
  nodesLoaded: boolean;
}

const AccessFile = z.object({
  admin: z.object({ username: z.string().min(1), password_hash: z.string().startsWith('$2') }),
  hooks: z.object({ username: z.string().min(1), password_hash: z.string().startsWith('$2') }),
});

const newSecret = () => randomBytes(24).toString('base64url');

function writeOwnerOnly(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function readOrMake(file: string, make: () => string): { value: string; made: boolean } {
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), made: false };
  const value = make();
  writeOwnerOnly(file, `${value}\n`);
  return { value, made: true };
}

export async function prepareNodeRed(options: NodeRedSetupOptions): Promise<PreparedNodeRed> {
  const userDir = resolve(options.dataDir, 'node-red');
  const secretsDir = resolve(options.dataDir, 'secrets', 'node-red');
  // Owner-only: Node-RED keeps the editor's session tokens (.sessions.json) and the flows' credentials here.
  mkdirSync(userDir, { recursive: true, mode: 0o700 });
  chmodSync(userDir, 0o700);
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  chmodSync(secretsDir, 0o700);

  const secretFile = join(secretsDir, 'credential-secret');
  readOrMake(secretFile, newSecret);
  const hooksPasswordFile = join(secretsDir, 'hooks.password');
  const hooksPassword = readOrMake(hooksPasswordFile, newSecret);

  // The access file holds hashes only. A missing or unreadable one is made anew (that is the reset).
  const accessFile = join(secretsDir, 'access.json');
  let newPassword: string | undefined;
  let access = readAccess(accessFile);
  if (!access || hooksPassword.made || !(await bcrypt.compare(hooksPassword.value, access.hooks.password_hash))) {
    if (!access) newPassword = newSecret();
    access = {
      admin: access?.admin ?? {
        username: NODE_RED_ADMIN,
        password_hash: await bcrypt.hash(newPassword as string, BCRYPT_COST),
      },
      hooks: { username: NODE_RED_HOOKS_USER, password_hash: await bcrypt.hash(hooksPassword.value, BCRYPT_COST) },
    };
    writeOwnerOnly(accessFile, `${JSON.stringify(access, null, 2)}\n`);
  }

  // The flow file is written once from the ready flows, then it is the integrator's (the editor saves to it).
  const flowFile = join(userDir, 'flows.json');
  let readyFlowsLoaded = 0;
  if (!existsSync(flowFile) && options.readyFlowsDir && existsSync(options.readyFlowsDir)) {
    const ready = readReadyFlows(options.readyFlowsDir);
    if (ready.files > 0) {
      writeFileSync(flowFile, `${JSON.stringify(ready.nodes, null, 2)}\n`);
      // Only references to the environment (checked): nothing secret is written in clear. Node-RED
      // takes a credentials file that is not encrypted and encrypts it at the first deploy.
      writeOwnerOnly(join(userDir, 'flows_cred.json'), `${JSON.stringify(ready.credentials, null, 2)}\n`);
    }
    readyFlowsLoaded = ready.files;
  }

  const nodesLoaded =
    options.nodesPackageDir !== undefined && isNodeRedPackage(resolve(options.nodesPackageDir, 'package.json'));
  const settingsFile = join(userDir, 'settings.cjs');
  writeOwnerOnly(
    settingsFile,
    settingsSource({
      port: options.port,
      userDir,
      secretFile,
      accessFile,
      nodesDir: nodesLoaded ? resolve(options.nodesPackageDir as string) : undefined,
    }),
  );

  return {
    userDir,
    settingsFile,
    port: options.port,
    admin: { username: access.admin.username, ...(newPassword ? { newPassword } : {}), accessFile },
    hooks: { username: access.hooks.username, password: hooksPassword.value, passwordFile: hooksPasswordFile },
    readyFlowsLoaded,
    nodesLoaded,
  };
}

type FlowNode = { id: string; credentials?: Record<string, unknown> } & Record<string, unknown>;

/** `${NAME}`: Node-RED puts the environment variable's value there when the node starts. */
const ENV_REFERENCE = /^\$\{[A-Z][A-Z0-9_]*\}$/;

/**
 * The ready flows as one flow file: each file is importable on its own, so the config nodes they
 * share (the gateway) appear in several and are kept once. Credentials travel in the nodes as
 * environment references and go to the credentials file.
 */
function readReadyFlows(dir: string): { files: number; nodes: FlowNode[]; credentials: Record<string, unknown> } {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const nodes = new Map<string, FlowNode>();
  const credentials: Record<string, unknown> = {};
  for (const name of files) {
    const flow: unknown = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    if (!Array.isArray(flow)) throw new Error(`${name}: expected a list of Node-RED nodes (an exported flow)`);
    for (const [i, node] of (flow as FlowNode[]).entries()) {
      if (typeof node?.id !== 'string') throw new Error(`${name}[${i}].id: expected the node's id (a string)`);
      const { credentials: secrets, ...rest } = node;
      for (const [field, value] of Object.entries(secrets ?? {}))
        if (typeof value !== 'string' || !ENV_REFERENCE.test(value))
          throw new Error(
            `${name}: node ${node.id} credentials.${field}: expected a reference to the environment such as "\${GRIDLINK_SMS_API_KEY}", never the secret itself`,
          );
      if (secrets) credentials[node.id] = secrets;
      if (!nodes.has(node.id)) nodes.set(node.id, rest);
    }
  }
  return { files: files.length, nodes: [...nodes.values()], credentials };
}

function readAccess(file: string): z.infer<typeof AccessFile> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = AccessFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function isNodeRedPackage(packageJson: string): boolean {
  if (!existsSync(packageJson)) return false;
  return Boolean((JSON.parse(readFileSync(packageJson, 'utf8')) as { 'node-red'?: unknown })['node-red']);
}

/**
 * The settings file: made again at every start (the port may change); it holds no secret and no
 * hash, it reads them from their owner-only files when Node-RED loads it. `.cjs`: Node-RED loads
 * settings with require(), and the repository's package.json says "type": "module".
 */
function settingsSource(s: {
  port: number;
  userDir: string;
  secretFile: string;
  accessFile: string;
  nodesDir: string | undefined;
}): string {
  const q = (value: string) => JSON.stringify(value);
  return `// Made by npm start at every start: edits here are lost. Secrets live in their own owner-only files.
const fs = require('node:fs');
const access = JSON.parse(fs.readFileSync(${q(s.accessFile)}, 'utf8'));

module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${s.port},
  userDir: ${q(s.userDir)},
  flowFile: 'flows.json',
  flowFilePretty: true,
  credentialSecret: fs.readFileSync(${q(s.secretFile)}, 'utf8').trim(),
  adminAuth: {
    type: 'credentials',
    users: [{ username: access.admin.username, password: access.admin.password_hash, permissions: '*' }],
  },
  httpNodeRoot: ${q(NODE_RED_HOOKS_ROOT)},
  httpNodeAuth: { user: access.hooks.username, pass: access.hooks.password_hash },
  ${s.nodesDir ? `nodesDir: [${q(s.nodesDir)}],` : '// The Gridlink nodes are not built: none are loaded.'}
  // Nothing is installed from the editor or from function nodes: the palette is what the project ships.
  externalModules: {
    autoInstall: false,
    palette: { allowInstall: false, allowUpload: false },
    modules: { allowInstall: false },
  },
  functionExternalModules: false,
  // What function nodes may use beyond their sandbox: hashes and HMACs (webhook signatures).
  functionGlobalContext: { crypto: require('node:crypto') },
  editorTheme: { projects: { enabled: false }, tours: false },
  telemetry: { enabled: false, updateNotification: false },
  diagnostics: { enabled: true, ui: false },
  runtimeState: { enabled: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
`;
}
