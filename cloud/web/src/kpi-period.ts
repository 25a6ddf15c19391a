/** The assessment month as the API's period: China midnight of its first day to the next month's. */
export function monthPeriod(month: string): { from: string; to: string } {
  const [year, number] = month.split('-').map(Number) as [number, number];
  const next = number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, '0')}`;
  return { from: `${month}-01`, to: `${next}-01` };
}

/** The months to choose from, the current one (China's calendar) first: the page opens on it. */
export function recentMonths(count: number, now = Date.now()): string[] {
  const china = new Date(now + 8 * 3_600_000);
  let year = china.getUTCFullYear();
  let month = china.getUTCMonth() + 1;
  const months: string[] = [];
  for (let i = 0; i < count; i++) {
    months.push(`${year}-${String(month).padStart(2, '0')}`);
    month--;
    if (month === 0) {
      month = 12;
      year--;
    }
  }
  return months;
}
