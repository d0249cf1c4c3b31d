import { defineConfig } from '@playwright/test';
import base from './playwright.config.js';

/** `npm run screenshots`: pictures for people to look at, not a test. */
export default defineConfig({ ...base, testDir: './screenshots', reporter: 'list', globalSetup: undefined });
