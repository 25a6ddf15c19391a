import type { Scenario } from '../scenarios/scenario.js';

/** `36 min`, `13 h`, `20 s`. */
export function span(seconds: number): string {
  if (seconds >= 3600) return `${Math.round((seconds / 3600) * 10) / 10} h`;
  if (seconds >= 120) return `${Math.round(seconds / 60)} min`;
  return `${seconds} s`;
}

/** What `gridlink-sim show` prints: the story and exactly what it should cause. */
export function describeScenario(scenario: Scenario): string {
  const lines = [
    `${scenario.name} — ${scenario.title.zh} / ${scenario.title.en}`,
    `  ${scenario.story}`,
    `  devices: ${scenario.devices.join(', ')}`,
    `  spans ${span(scenario.durationS)} of scenario time${scenario.needs ? `; needs ${scenario.needs.join(', ')}` : ''}`,
    '  expected alerts:',
    ...scenario.expects.alerts.map((a) => `    ${a.rule} on ${a.device}`),
    '  expected incidents:',
    ...scenario.expects.incidents.map(
      (i) =>
        `    ${i.category}${i.urgent ? ' (urgent)' : ''} from ${i.device}, ${i.alerts} alert${i.alerts === 1 ? '' : 's'} linked`,
    ),
  ];
  if (scenario.expects.commands?.length)
    lines.push(
      '  expected commands:',
      ...scenario.expects.commands.map((c) => `    ${c.device} ← ${JSON.stringify(c.command)}`),
    );
  return lines.join('\n');
}
