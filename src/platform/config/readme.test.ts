import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../test/support/paths.ts';
import { CONFIG_DOC } from './config.ts';

describe('README configuration table', () => {
  it('documents every variable the service reads, with its default', () => {
    const readme = fs.readFileSync(`${PROJECT_ROOT}/README.md`, 'utf8');
    for (const [name, fallback] of CONFIG_DOC) expect(readme).toContain(`| \`${name}\` | ${fallback} |`);
  });

  it('starts with the quick start and the test command', () => {
    const readme = fs.readFileSync(`${PROJECT_ROOT}/README.md`, 'utf8');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
