import { z } from 'zod';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { readDate, list, text, type FormBody, type Problems } from '../../platform/http/form-body.ts';
import { ALTERNATIVES, DECISIONS, PANEL_RESPONSES, RECORD_FIELDS, type DecisionInput, type PanelResponse, type RecordText, type RequestAnswer } from './service.ts';

/** Reading the rapid review forms. */

export { bodyOf, dateValues, list, Problems, readDate, text, type FormBody } from '../../platform/http/form-body.ts';

export function readRecord(body: FormBody): RecordText {
  return Object.fromEntries(RECORD_FIELDS.map((f) => [f, text(body, f)])) as RecordText;
}

const decisionSchema = z.enum(DECISIONS);
const alternativeSchema = z.enum(ALTERNATIVES);
const responseSchema = z.enum(PANEL_RESPONSES);

export function readDecision(body: FormBody, problems: Problems): DecisionInput {
  const decision = decisionSchema.safeParse(body.decision);
  const alternative = alternativeSchema.safeParse(body.alternative);
  return {
    decision: decision.success ? decision.data : null,
    alternative: alternative.success ? alternative.data : null,
    criteria: list(body, 'criteria'),
    reasons: text(body, 'reasons'),
    decidedOn: readDate(body, problems, 'decided', 'the date of the decision'),
  };
}

export function readPanelResponse(body: FormBody, problems: Problems): { response: PanelResponse | null; on: DateOnly | null } {
  const response = responseSchema.safeParse(body.response);
  return { response: response.success ? response.data : null, on: readDate(body, problems, 'responded', 'the date of the Panel’s response') };
}

export function readAnswer(body: FormBody, problems: Problems): RequestAnswer {
  return {
    involvement: text(body, 'involvement'),
    episodes: text(body, 'episodes'),
    answer: text(body, 'answer'),
    answeredOn: readDate(body, problems, 'answered', 'the date the answer was sent'),
  };
}
