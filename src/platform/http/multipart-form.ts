import type { FastifyReply, FastifyRequest } from 'fastify';
import { controlCharacterProblems } from '../../domain/text/control-characters.ts';
import type { FormBody } from './form-body.ts';
import { ControlCharactersError } from './plain-text-guard.ts';

export type UploadedFile = { bytes: Buffer; name: string; truncated: boolean };

/**
 * The form's CSRF token, from its own fields, checked by the same check as every other form. The
 * check answers a refusal through the reply it is given: here a stand-in catches it, so the
 * refusal is thrown (and answered by the error handler) rather than sent twice.
 */
function checkFormToken(req: FastifyRequest, reply: FastifyReply, fields: FormBody): void {
  const body = req.body;
  req.body = fields;
  let refusal: unknown = null;
  let passed = false;
  const standIn = Object.create(reply, { send: { value: (err: unknown) => ((refusal = err), standIn) } }) as FastifyReply;
  try {
    req.server.csrfProtection(req, standIn, () => {
      passed = true;
    });
  } finally {
    req.body = body;
  }
  if (!passed) throw refusal ?? new Error('The form could not be checked.');
}

/**
 * Reads a multipart form: its text fields (a name sent more than once, as checkboxes are, becomes
 * a list, as in urlencoded forms) and the one file, if a file was chosen. The form's CSRF token is
 * checked before anything is returned (the route must declare `uploads`, see access.ts).
 */
export async function readMultipart(req: FastifyRequest, reply: FastifyReply): Promise<{ fields: FormBody; file: UploadedFile | null }> {
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
  checkFormToken(req, reply, fields);
  const problems = controlCharacterProblems(fields);
  if (problems.length) throw new ControlCharactersError(problems);
  return { fields, file };
}

