import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * Each test run has its own folder, named by the global setup, so two runs at once
 * (a developer's and an editor's, say) never remove each other's databases.
 */
export const TEST_ROOT = process.env.CSPR_TEST_ROOT ?? path.join(PROJECT_ROOT, '.test-data', `run-${process.pid}`);
export const TEMPLATE_DIR = path.join(TEST_ROOT, 'template');
