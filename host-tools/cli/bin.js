#!/usr/bin/env node
// Entry point of the `smartchain` command: registers the TypeScript loader, then hands over to main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
