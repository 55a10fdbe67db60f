/** '27 March 2026 at 2:05:07pm' in UK time: the GOV.UK way of writing a moment, with seconds for the record. */
export function formatDateTime(at: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      second: '2-digit',
      hour12: true,
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const hour = parts.hour === '0' ? '12' : parts.hour;
  return `${parts.day} ${parts.month} ${parts.year} at ${hour}:${parts.minute}:${parts.second}${parts.dayPeriod.toLowerCase()}`;
}
