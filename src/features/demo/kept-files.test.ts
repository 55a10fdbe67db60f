import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDir } from '../../../test/support/database.ts';
import { readKeptFile, replaceKeptFiles } from './kept-files.ts';

describe('the demo’s kept files', () => {
  it('are replaced by exactly the files made, leaving other kinds of file alone', async () => {
    const dir = freshDir('kept-files');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'gone.pdf'), 'old');
    fs.writeFileSync(path.join(dir, 'README.txt'), 'notes');
    expect(await replaceKeptFiles(dir, [{ name: 'a.pdf', bytes: Buffer.from('A') }])).toEqual(['a.pdf']);
    expect(fs.readdirSync(dir).sort()).toEqual(['README.txt', 'a.pdf']);
    expect((await readKeptFile(dir, 'a.pdf'))?.toString()).toBe('A');
  });

  it('read as null when missing, and fail on anything else', async () => {
    const dir = freshDir('kept-files-missing');
    fs.mkdirSync(dir, { recursive: true });
    expect(await readKeptFile(dir, 'none.pdf')).toBeNull();
    fs.mkdirSync(path.join(dir, 'folder.pdf'));
    await expect(readKeptFile(dir, 'folder.pdf')).rejects.toThrow();
  });
});
