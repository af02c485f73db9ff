/**
 * A small RFC 4180 CSV reader for manifests: quoted fields (with `""` for a
 * quote, commas and newlines inside), CRLF or LF, and the 1-based line each
 * record starts on, so that errors can name `file:line`.
 */
import { InputError } from '../../errors.js';

export interface CsvRecord {
  /** 1-based line the record starts on. */
  line: number;
  fields: string[];
}

/** Parses `text`; blank lines are skipped. `source` names the file in errors. */
export function parseCsv(text: string, source: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let quotedField = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a BOM from spreadsheet exports
  const endRecord = (): void => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !quotedField)) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    quotedField = false;
  };
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (field.length > 0) throw new InputError(`${source}:${line}: a quote inside an unquoted field; quote the whole field and double inner quotes`);
      inQuotes = true;
      quotedField = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      quotedField = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      if (quotedField) throw new InputError(`${source}:${line}: text after a closing quote; expected ',' or the end of the line`);
      field += ch;
    }
  }
  if (inQuotes) throw new InputError(`${source}:${recordLine}: a quoted field is never closed`);
  if (field.length > 0 || fields.length > 0 || quotedField) endRecord();
  return records;
}
