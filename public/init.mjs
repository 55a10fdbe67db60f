// Progressive enhancement only: every page works without this script.
import { initAll } from '/govuk/govuk-frontend.min.js';
import { initSessionTimeout } from '/public/session-timeout.mjs';

initAll();
initSessionTimeout();
