/**
 * The log of one backup or restore run, written to the location as `<name>-logs.gz` in the logrus text
 * format Velero uses (`time="..." level=info msg="..." key=value`), so `velero backup logs` reads it too.
 */
import { gzipSync } from 'node:zlib';

export type LogLevel = 'info' | 'warning' | 'error';

function quote(value: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : JSON.stringify(value);
}

export class RunLog {
  private readonly lines: string[] = [];
  private readonly fields: Record<string, string>;
  private readonly echo: ((line: string) => void) | undefined;

  constructor(fields: Record<string, string>, echo?: (line: string) => void) {
    this.fields = fields;
    this.echo = echo;
  }

  log(level: LogLevel, msg: string, fields: Record<string, string | number | undefined> = {}): void {
    const parts = [
      `time="${new Date().toISOString().slice(0, 19)}Z"`,
      `level=${level}`,
      `msg=${JSON.stringify(msg)}`,
    ];
    const all: Record<string, string> = { ...this.fields };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) all[key] = String(value);
    for (const key of Object.keys(all).sort()) parts.push(`${key}=${quote(all[key] as string)}`);
    const line = parts.join(' ');
    this.lines.push(line);
    this.echo?.(line);
  }

  info(msg: string, fields?: Record<string, string | number | undefined>): void {
    this.log('info', msg, fields);
  }

  warn(msg: string, fields?: Record<string, string | number | undefined>): void {
    this.log('warning', msg, fields);
  }

  error(msg: string, fields?: Record<string, string | number | undefined>): void {
    this.log('error', msg, fields);
  }

  encode(): Buffer {
    return gzipSync(this.lines.map((line) => `${line}\n`).join(''));
  }
}
