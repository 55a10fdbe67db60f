import autocannon from 'autocannon';

/**
 * Load from its own thread: autocannon's HTTP parser turns every response body into a string, and
 * on the service's thread that garbage (over half of all allocation in a dashboard run) set off
 * collections that paused the service it was measuring. A real visitor's browser is elsewhere; so,
 * here, is the load. Latencies come from autocannon's histograms, in whole milliseconds.
 */
export function loadFromThread(options: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ ...options, workers: 1 });
}
