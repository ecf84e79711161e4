#!/usr/bin/env node
// The `sockcall` command, the package's bin. Each command is a module of ./cli/; main.ts picks one.
import { run } from './cli/main';

run(process.argv.slice(2));
