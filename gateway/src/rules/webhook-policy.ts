import type { RuleFile } from '@gridlink/protocol';

/** `${NAME}` in a webhook header value: the name of an environment variable of the gateway. */
const VARIABLE = /\$\{([A-Z0-9_]+)\}/g;

/**
 * What rule webhooks may do, as the gateway's installer set it (`rules.webhook_targets`,
 * `rules.webhook_secrets`) — never the rule files, which the cloud can replace (`rules.update`):
 * post only to the listed targets (the property office's system, a siren controller), and put in
 * their headers only the environment variables listed as webhook secrets. Otherwise a rule set
 * could post the uplink token or a camera password to any host on the community LAN or beyond.
 */
export class RuleWebhookPolicy {
  private readonly targets: readonly URL[];
  private readonly secrets: ReadonlySet<string>;

  constructor(config: { webhook_targets: readonly string[]; webhook_secrets: readonly string[] }) {
    this.targets = config.webhook_targets.map((target) => new URL(target));
    this.secrets = new Set(config.webhook_secrets);
  }

  /** Whether `url` lies under one of the listed targets (same scheme, host and port; path below the target's). */
  allowsTarget(url: string): boolean {
    let candidate: URL;
    try {
      candidate = new URL(url);
    } catch {
      return false;
    }
    if (candidate.username !== '' || candidate.password !== '') return false;
    return this.targets.some((target) => {
      if (target.protocol !== candidate.protocol || target.host !== candidate.host) return false;
      const base = target.pathname.endsWith('/') ? target.pathname : `${target.pathname}/`;
      return candidate.pathname === target.pathname || candidate.pathname.startsWith(base);
    });
  }

  /** The `${NAME}`s of a header value that are not listed webhook secrets. */
  unlistedVariables(value: string): string[] {
    return [...value.matchAll(VARIABLE)].map((match) => match[1] as string).filter((name) => !this.secrets.has(name));
  }

  /** The header value with its listed secrets filled in; undefined if it names any other variable. */
  expand(value: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
    if (this.unlistedVariables(value).length > 0) return undefined;
    return value.replace(VARIABLE, (_whole, name: string) => env[name] ?? '');
  }

  /** Every webhook of the file this gateway would refuse, as `<file>: rules.<i>.actions.<j>.<field>: …`. */
  problems(file: RuleFile, name: string): string[] {
    const problems: string[] = [];
    file.rules.forEach((rule, i) => {
      rule.actions.forEach((action, j) => {
        if (action.type !== 'webhook') return;
        const at = `${name}: rules.${i}.actions.${j}`;
        if (!this.allowsTarget(action.url)) {
          const { origin, pathname } = new URL(action.url);
          problems.push(
            `${at}.url: ${origin}${pathname} (rule ${rule.id}) is not a webhook target of this gateway: ` +
              `the installer lists the URLs webhooks may post to in the gateway's rules.webhook_targets${this.listed()}`,
          );
        }
        for (const [header, value] of Object.entries(action.headers ?? {})) {
          for (const variable of this.unlistedVariables(value))
            problems.push(
              `${at}.headers.${header}: \${${variable}} (rule ${rule.id}) is not a webhook secret of this gateway: ` +
                `only variables the installer lists in the gateway's rules.webhook_secrets may be sent`,
            );
        }
      });
    });
    return problems;
  }

  private listed(): string {
    // How many, not which: this message goes back to the cloud with the refused rule set.
    return this.targets.length === 0 ? ' (none is listed)' : ` (${this.targets.length} listed)`;
  }
}
