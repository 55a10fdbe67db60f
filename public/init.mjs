// Progressive enhancement only: every page works without this script.
import { initAll } from '/govuk/govuk-frontend.min.js';
import { initSessionTimeout } from '/public/session-timeout.mjs';

initAll();
initSessionTimeout();

// Search filters: collapsed on small screens so the results come first; open on wider ones.
for (const details of document.querySelectorAll('details[data-open-from]')) {
  if (window.matchMedia(`(min-width: ${details.dataset.openFrom}px)`).matches) details.open = true;
}
