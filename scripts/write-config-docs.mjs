#!/usr/bin/env node
/**
 * Rewrites the table in docs/configuration.md from the server's OPTIONS
 * (`npm run docs:config`). A unit test fails when the two drift apart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { configurationReference } from '@parley/server';

const path = new URL('../docs/configuration.md', import.meta.url);
const START = '<!-- options:start -->';
const END = '<!-- options:end -->';
const text = readFileSync(path, 'utf8');
const before = text.slice(0, text.indexOf(START) + START.length);
const after = text.slice(text.indexOf(END));
writeFileSync(path, `${before}\n${configurationReference()}\n${after}`);
console.log(`wrote ${path.pathname}`);
