/**
 * The rules Gridlink's Dockerfile keeps, checked by the tests without an engine. hadolint is not on
 * npm and dockerfilelint (1.8.0, unmaintained since 2020) knows neither `ARG` before `FROM` nor
 * build targets, so the few rules that matter here are checked directly:
 *
 * - several stages (build tools never reach a runtime image);
 * - every base image pinned to a version (a tag with a digit, or a digest), never `latest`;
 * - every runtime target ends as a user other than root;
 * - no secret in `ENV` or `ARG` (they stay in the image's history);
 * - every runtime target has a `HEALTHCHECK`, or the compose service that runs it has one;
 * - no `ADD` from a URL (unverified downloads).
 */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string | undefined;
  /** The image or stage it starts from, with `ARG` defaults substituted. */
  from: string;
  line: number;
  instructions: Instruction[];
}

export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

/** Instructions with their continuation lines joined; comments and parser directives dropped. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  for (const [index, raw] of text.split('\n').entries()) {
    const trimmed = raw.trim();
    if (pending === undefined && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (pending !== undefined && trimmed.startsWith('#')) continue;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1) : trimmed;
    pending = pending === undefined ? { text: part, line: index + 1 } : { ...pending, text: `${pending.text} ${part}` };
    if (!continued) {
      const [keyword = '', ...rest] = pending.text.split(/\s+/);
      instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: pending.line });
      pending = undefined;
    }
  }

  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const from = image.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_whole, arg: string) => args[arg] ?? '');
      stages.push({
        name: as?.toLowerCase() === 'as' ? name : undefined,
        from,
        line: instruction.line,
        instructions: [],
      });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (stage) stage.instructions.push(instruction);
    else if (instruction.keyword === 'ARG') {
      const [name = '', value = ''] = instruction.args.split('=');
      args[name] = value;
    }
  }
  return { args, stages };
}

/** The stage and the stages it is built on, nearest first. */
function lineage(file: Dockerfile, stage: Stage): Stage[] {
  const chain = [stage];
  let current = stage;
  for (;;) {
    const parent = file.stages.find((candidate) => candidate.name !== undefined && candidate.name === current.from);
    if (!parent || chain.includes(parent)) return chain;
    chain.push(parent);
    current = parent;
  }
}

function isStageName(file: Dockerfile, from: string): boolean {
  return file.stages.some((stage) => stage.name === from);
}

/** Names of secrets as they would be written in ENV or ARG. */
const SECRET_NAME = /(password|passwd|secret|token|api_?key|private_?key|credential)/i;

export interface RuleOptions {
  /** The stages images are built from (compose `build.target`), each with whether compose checks its health. */
  targets: ReadonlyArray<{ target: string; composeHealthcheck: boolean }>;
}

/** Every broken rule, as `line N: what is wrong and what to do`; empty when the file keeps them all. */
export function checkDockerfile(file: Dockerfile, options: RuleOptions): string[] {
  const problems: string[] = [];
  if (file.stages.length < 2) {
    problems.push('line 1: one stage only: build in one stage and copy the output into a runtime stage');
  }
  for (const stage of file.stages) {
    if (isStageName(file, stage.from)) continue;
    const [image, digest] = stage.from.split('@');
    const tag = image?.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : undefined;
    if (digest === undefined && (tag === undefined || tag === 'latest' || !/\d/.test(tag))) {
      problems.push(
        `line ${stage.line}: base image ${stage.from || '(empty)'} is not pinned: name a version tag (node:20.19.0-bookworm-slim) or a digest`,
      );
    }
  }
  for (const stage of file.stages) {
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'ENV' || instruction.keyword === 'ARG') {
        const names = instruction.args
          .split(/\s+/)
          .map((word) => word.split('=')[0] ?? '')
          .filter((name) => name !== '');
        const secret = names.find((name) => SECRET_NAME.test(name));
        if (secret) {
          problems.push(
            `line ${instruction.line}: ${instruction.keyword} ${secret} puts a secret in the image: pass it at run time as a file (GRIDLINK_*_FILE)`,
          );
        }
      }
      if (instruction.keyword === 'ADD' && /\bhttps?:\/\//.test(instruction.args)) {
        problems.push(`line ${instruction.line}: ADD from a URL: download in a RUN step that checks a checksum`);
      }
    }
  }
  for (const { target, composeHealthcheck } of options.targets) {
    const stage = file.stages.find((candidate) => candidate.name === target);
    if (!stage) {
      problems.push(`no stage named ${target}: docker-compose.yml builds it`);
      continue;
    }
    const chain = lineage(file, stage);
    const users = chain.flatMap((s) => s.instructions.filter((i) => i.keyword === 'USER').reverse());
    const user = users[0]?.args.split(':')[0];
    if (user === undefined || user === 'root' || user === '0') {
      problems.push(
        `line ${stage.line}: target ${target} runs as ${user ?? 'root (no USER)'}: end it with USER and an unprivileged user`,
      );
    }
    // The nearest stage's last HEALTHCHECK is the image's.
    const own = chain
      .map((s) => s.instructions.filter((i) => i.keyword === 'HEALTHCHECK').at(-1))
      .find((found) => found !== undefined);
    const checked = own !== undefined && own.args.trim().toUpperCase() !== 'NONE';
    if (!checked && !composeHealthcheck) {
      problems.push(
        `line ${stage.line}: target ${target} has no HEALTHCHECK, and its compose service none: add one (GET /readyz where there is one)`,
      );
    }
  }
  return problems;
}
