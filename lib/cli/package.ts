// The package's own directory and version, read from package.json (dist/cli/ lives two levels down).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export function version(): string {
  const { version: number } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return `sockcall ${number}`;
}
