import type { FastifyRequest } from 'fastify';
import { controlCharacterProblems } from '../../domain/text/control-characters.ts';
import type { FormBody } from './form-body.ts';
import { ControlCharactersError } from './plain-text-guard.ts';

export type UploadedFile = { bytes: Buffer; name: string; truncated: boolean };

/**
 * Reads a multipart form: its text fields (a name sent more than once, as checkboxes are, becomes
 * a list, as in urlencoded forms) and the one file, if a file was chosen.
 */
export async function readMultipart(req: FastifyRequest): Promise<{ fields: FormBody; file: UploadedFile | null }> {
  const fields: FormBody = {};
  let file: UploadedFile | null = null;
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      const bytes = await part.toBuffer();
      if (part.fieldname === 'file' && part.filename && !file) file = { bytes, name: part.filename, truncated: part.file.truncated };
    } else if (typeof part.value === 'string') {
      const existing = fields[part.fieldname];
      fields[part.fieldname] = existing === undefined ? part.value : [...[existing].flat(), part.value];
    }
  }
  const problems = controlCharacterProblems(fields);
  if (problems.length) throw new ControlCharactersError(problems);
  return { fields, file };
}

