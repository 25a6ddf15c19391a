// Config issue formatting moved to @gridlink/protocol (every service's config loader shares it).
export {
  describeValue,
  type FormatIssuesOptions,
  formatConfigPath as formatPath,
  formatIssues,
  isSecretPath,
} from '@gridlink/protocol';
