#!/usr/bin/env node
// `npx upgrader <command>`: the CLI's sources are TypeScript, loaded through tsx's ESM API.
import { tsImport } from 'tsx/esm/api';

const cli = await tsImport('../src/cli/main.ts', import.meta.url);
await cli.runProcess();
