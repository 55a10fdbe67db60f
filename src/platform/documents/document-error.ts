/** A document that cannot be used, with the reason in words a person can act on (shown as it is). */
export class DocumentError extends Error {}

export const DOCX_DAMAGED = 'the file is damaged or not a Word document (.docx): open it in Word and save it again as a .docx, then try again';

export const PDF_PASSWORD_PROTECTED =
  'the PDF is password-protected: save a copy without a password or other protection (or print it to a new PDF), then try again';
