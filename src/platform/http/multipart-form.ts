import type { FastifyRequest } from 'fastify';
import type { FormBody } from './form-body.ts';

export type UploadedFile = { bytes: Buffer; name: string; truncated: boolean };

/** Reads a multipart form: its text fields and the one file, if a file was chosen. */
export async function readMultipart(req: FastifyRequest): Promise<{ fields: FormBody; file: UploadedFile | null }> {
  const fields: FormBody = {};
  let file: UploadedFile | null = null;
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      const bytes = await part.toBuffer();
      if (part.fieldname === 'file' && part.filename && !file) file = { bytes, name: part.filename, truncated: part.file.truncated };
    } else if (typeof part.value === 'string' && !(part.fieldname in fields)) {
      fields[part.fieldname] = part.value;
    }
  }
  return { fields, file };
}

