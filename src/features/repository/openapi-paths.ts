import { AGE_BANDS, HARM_TYPES, REVIEW_TYPES } from '../../domain/reviews/review-types.ts';
import { MAX_PAGE, SORTS } from '../../platform/search/search.ts';
import { MAX_CONFIRMED_TERMS } from '../../platform/search/query.ts';

/**
 * The public repository's part of the OpenAPI document: searching and reading published reviews,
 * open to anyone without a token. Plain JSON Schema, merged into the document by api/openapi.ts.
 */

type JsonSchema = Record<string, unknown>;

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const listOf = (items: JsonSchema, description: string): JsonSchema => ({
  anyOf: [items, { type: 'array', items }],
  description: `${description} Repeat the parameter or separate values with commas to match any of several.`,
});
const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
const date: JsonSchema = { type: 'string', format: 'date' };

export const PUBLIC_API_TAG = { name: 'Published reviews', description: 'The public learning repository: open to anyone, no token needed.' };

export function publicApiPaths() {
  return {
    '/api/v1/public/search': {
      get: {
        operationId: 'searchPublishedReviews',
        summary: 'Search published reviews',
        description:
          'Full-text search of published reviews (title, summary, learning, briefing and every page of the report), ranked by relevance, ' +
          'one result per review with the best matching passage as plain text and the report page it comes from. Without q, lists ' +
          'published reviews newest first. 20 results a page.',
        tags: [PUBLIC_API_TAG.name],
        security: [],
        'x-access': 'public',
        parameters: [
          { name: 'q', in: 'query' as const, required: false, description: `Words to search for; a phrase in quotes; -word leaves a word out; "or" between words. At most ${MAX_CONFIRMED_TERMS} phrases of three or more words or hyphenated words (each read on report pages): more is answered 400, as is a query longer than 500 characters.`, schema: { type: 'string', maxLength: 500 } },
          { name: 'type', in: 'query' as const, required: false, description: 'Type of review.', schema: listOf({ type: 'string', enum: [...REVIEW_TYPES] }, 'Type of review.') },
          { name: 'theme', in: 'query' as const, required: false, description: 'Theme key, like neglect.', schema: listOf({ type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' }, 'Theme key.') },
          { name: 'year', in: 'query' as const, required: false, description: 'Year of publication.', schema: listOf({ type: 'integer', minimum: 1900, maximum: 9999 }, 'Year of publication.') },
          { name: 'ageBand', in: 'query' as const, required: false, description: 'Age band of the child.', schema: listOf({ type: 'string', enum: [...AGE_BANDS] }, 'Age band.') },
          { name: 'partnership', in: 'query' as const, required: false, description: 'Short name (slug) of the partnership.', schema: listOf({ type: 'string' }, 'Partnership slug.') },
          { name: 'page', in: 'query' as const, required: false, description: 'Page of results, from 1.', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE } },
          { name: 'sort', in: 'query' as const, required: false, description: 'relevance (the default with q), newest (the default without) or oldest.', schema: { type: 'string', enum: [...SORTS] } },
        ],
        responses: {
          '200': { description: 'A page of results.', content: { 'application/json': { schema: ref('PublicSearchResults') } } },
          '400': problem('A parameter is not understood: `errors` lists each one.'),
        },
      },
    },
    '/api/v1/public/reviews/{slug}': {
      get: {
        operationId: 'getPublishedReview',
        summary: 'Get a published review',
        description: 'A published review: its catalogue record, summary, Learning on a Page, 7-minute briefing and where to download the report.',
        tags: [PUBLIC_API_TAG.name],
        security: [],
        'x-access': 'public',
        parameters: [{ name: 'slug', in: 'path' as const, required: true, description: 'The review’s address, as in /reviews/{slug}.', schema: { type: 'string' } }],
        responses: {
          '200': { description: 'The review.', content: { 'application/json': { schema: ref('PublishedReview') } } },
          '404': problem('There is no published review with this slug.'),
        },
      },
    },
  };
}

export function publicApiSchemas(): Record<string, JsonSchema> {
  return {
    PublicSearchResults: {
      type: 'object',
      required: ['q', 'onlyLeftOutWords', 'sort', 'total', 'page', 'pageCount', 'results'],
      properties: {
        q: { type: 'string', description: 'The query as searched (control characters removed, at most 500 characters).' },
        onlyLeftOutWords: {
          type: 'boolean',
          description: 'True when nothing matched because every word of q is one the search leaves out (very common words such as “the”, “of” and “and”, and most symbols): nothing was left to search for.',
        },
        sort: { type: 'string', enum: [...SORTS] },
        total: { type: 'integer', description: 'How many reviews match.' },
        page: { type: 'integer' },
        pageCount: { type: 'integer' },
        results: {
          type: 'array',
          items: {
            type: 'object',
            required: ['title', 'url', 'slug', 'partnership', 'publishedOn', 'reviewType', 'themes', 'snippet', 'page'],
            properties: {
              title: { type: 'string' },
              url: { type: 'string', format: 'uri', description: 'The review’s page.' },
              slug: { type: 'string' },
              partnership: { type: 'string', description: 'Name of the partnership that published it.' },
              publishedOn: date,
              reviewType: { type: 'string', enum: [...REVIEW_TYPES] },
              themes: { type: 'array', items: { type: 'string' }, description: 'Theme keys.' },
              snippet: nullable({ type: 'string', description: 'The best matching passage, as plain text (null without q).' }),
              page: nullable({ type: 'integer', description: 'The report page the passage comes from (null when from the summary or learning).' }),
            },
          },
        },
      },
    },
    PublishedReview: {
      type: 'object',
      required: ['title', 'url', 'slug', 'partnership', 'summary', 'reviewType', 'themes', 'publishedOn'],
      properties: {
        title: { type: 'string' },
        url: { type: 'string', format: 'uri' },
        slug: { type: 'string' },
        partnership: { type: 'object', properties: { slug: { type: 'string' }, name: { type: 'string' } } },
        summary: { type: 'string' },
        reviewType: { type: 'string', enum: [...REVIEW_TYPES] },
        themes: { type: 'array', items: { type: 'string' } },
        ageBand: nullable({ type: 'string', enum: [...AGE_BANDS] }),
        harmType: nullable({ type: 'string', enum: [...HARM_TYPES] }),
        reviewStartedOn: nullable(date),
        reviewCompletedOn: nullable(date),
        publishedOn: date,
        improvementsOnly: { type: 'boolean', description: 'Only the improvements to be made are published, not the full report.' },
        learning: nullable({
          type: 'object',
          description: 'Learning on a Page.',
          properties: { livedExperience: { type: 'string' }, keyLearning: { type: 'string' }, learningIntoPractice: { type: 'string' } },
        }),
        briefing: nullable({
          type: 'object',
          description: '7-minute briefing.',
          properties: {
            background: { type: 'string' },
            whyItMatters: { type: 'string' },
            keyInformation: { type: 'array', items: { type: 'string' }, minItems: 3, maxItems: 3 },
            thingsToRemember: { type: 'string' },
            whatToDo: { type: 'string' },
            reflectionQuestions: { type: 'string' },
          },
        }),
        report: nullable({
          type: 'object',
          properties: {
            url: nullable({ type: 'string', format: 'uri', description: 'Download address (null once withdrawn).' }),
            type: { type: 'string', enum: ['pdf', 'docx'] },
            size: { type: 'integer', description: 'Bytes.' },
            pages: nullable({ type: 'integer' }),
            withdrawnOn: nullable(date),
          },
        }),
      },
    },
  };
}
