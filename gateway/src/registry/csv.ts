/**
 * RFC 4180 CSV, both ways: quoted fields (with commas, line breaks and `""` for a quote), CRLF or
 * LF line ends, a UTF-8 byte-order mark (Excel writes one). Strict where leniency would hide a
 * mistake: a stray quote in an unquoted field or an unclosed quote is an error naming its line.
 */
export interface CsvRecord {
  /** 1-based line on which the record starts (records may span lines inside quotes). */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';

  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** Parses CSV text into records. Blank lines are skipped; a final line break ends the last record. */
export function parseCsv(text: string): CsvRecord[] {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let inRecord = false;

  const endField = () => {
    fields.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    const blank = fields.length === 1 && fields[0] === '';
    if (!blank) records.push({ line: recordLine, fields });
    fields = [];
  };
  /** Length of the line break at `at` (CRLF, LF or a lone CR), 0 if none. */
  const lineBreak = (at: number) =>
    input[at] === '\r' ? (input[at + 1] === '\n' ? 2 : 1) : input[at] === '\n' ? 1 : 0;

  while (i < input.length) {
    // At the start of a field.
    inRecord = true;
    if (input[i] === '"') {
      const openedOn = line;
      i++;
      for (;;) {
        if (i >= input.length) throw new CsvSyntaxError(openedOn, 'a quoted field is never closed');
        const char = input[i];
        if (char === '"') {
          if (input[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        const br = lineBreak(i);
        if (br > 0) {
          field += input.slice(i, i + br);
          line++;
          i += br;
          continue;
        }
        field += char;
        i++;
      }
      if (i < input.length && input[i] !== ',' && lineBreak(i) === 0) {
        throw new CsvSyntaxError(
          line,
          'text after a closing quote: quote the whole field and write a quote inside it as ""',
        );
      }
    } else {
      while (i < input.length && input[i] !== ',' && lineBreak(i) === 0) {
        if (input[i] === '"') {
          throw new CsvSyntaxError(
            line,
            'a quote inside an unquoted field: quote the whole field and write the quote as ""',
          );
        }
        field += input[i];
        i++;
      }
    }
    // At the end of a field.
    if (i >= input.length) break;
    if (input[i] === ',') {
      endField();
      i++;
      continue;
    }
    const br = lineBreak(i);
    endRecord();
    inRecord = false;
    i += br;
    line++;
    recordLine = line;
  }
  if (inRecord) endRecord(); // the last record had no line break after it
  return records;
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV line (CRLF-terminated, as RFC 4180 says), quoting fields only where needed. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map((f) => (NEEDS_QUOTES.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(',')}\r\n`;
}
