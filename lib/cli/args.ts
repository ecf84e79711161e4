// The command line of every command: util.parseArgs for the splitting (--name, --name VALUE,
// --name=VALUE, `--` before positionals that start with '-'), and the messages of a Unix tool for
// what it finds wrong. A bad command line is a UsageError: status 2, then "Try 'sockcall ... --help'".
import { parseArgs } from 'node:util';

/** A bad command line: status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A failure that is not a syscall's (bench/ missing, a name without an address): status 1, the message as it is. */
export class CommandError extends Error {}

/** A command's options: each one's value name in messages (--port N), or null for a flag. */
export type OptionSpec = Record<string, string | null>;

export interface Parsed {
  /** The options given: a flag as true, an option with a value as its text (the last one given wins). */
  options: Map<string, string | true>;
  positionals: string[];
}

/**
 * Splits `argv` for `command`; `short` names the one-letter forms (`{ o: 'output' }` for -o).
 * parseArgs runs non-strict so that every problem comes back as a token and is reported here in the
 * tool's own words (its strict errors are worded for programmers).
 */
export function parse(command: string, argv: readonly string[], spec: OptionSpec, short: Record<string, string> = {}): Parsed {
  const shortOf = new Map(Object.entries(short).map(([letter, name]) => [name, letter]));
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(
      Object.entries(spec).map(([name, value]) => [name, { type: value === null ? 'boolean' : 'string', ...(shortOf.has(name) ? { short: shortOf.get(name)! } : {}) }]),
    ),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const parsed: Parsed = { options: new Map(), positionals: [] };
  for (const token of tokens) {
    if (token.kind === 'positional') {
      parsed.positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const named = token.rawName.startsWith('--') || token.rawName === `-${shortOf.get(token.name)}`;
    const value = Object.hasOwn(spec, token.name) && named ? spec[token.name] : undefined;
    if (value === undefined) throw new UsageError(`unknown option '${token.rawName}'`, command);
    if (value === null) {
      if (token.value !== undefined) throw new UsageError(`option '${token.rawName}' takes no value`, command);
      parsed.options.set(token.name, true);
    } else {
      if (token.value === undefined) throw new UsageError(`option '${token.rawName}' needs a value (${value})`, command);
      parsed.options.set(token.name, token.value);
    }
  }
  return parsed;
}

/** --help or -h anywhere before `--`: it wins over everything else on the line. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** A decimal integer in [min, max], or a usage error naming `what`. */
export function integer(text: string, what: string, min: number, max: number, command: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`invalid ${what} '${text}' (an integer from ${min} to ${max})`, command);
  return value;
}

export function stringOption(parsed: Parsed, name: string): string | undefined {
  const value = parsed.options.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function noMoreThan(parsed: Parsed, count: number, command: string): void {
  if (parsed.positionals.length > count) throw new UsageError(`unexpected argument '${parsed.positionals[count]}'`, command);
}

export function exclusive(parsed: Parsed, a: string, b: string, command: string): void {
  if (parsed.options.has(a) && parsed.options.has(b)) throw new UsageError(`--${a} and --${b} cannot go together`, command);
}
