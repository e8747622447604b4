// Date helpers. All functions work in UTC.

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86400000);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

export function daysInMonth(year: number, month: number): number {
  // month is 1-12
  const days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (month == 2 && isLeapYear(year)) return 29;
  return days[month - 1];
}

export function diffInDays(a: Date, b: Date): number {
  return Math.round((b.getTime() - a.getTime()) / 86400000);
}

export function formatISODate(d: Date): string {
  const y = d.getUTCFullYear();
  const m = String(d.getUTCMonth() + 1).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, '0');
  return y + '-' + m + '-' + day;
}

export function parseISODate(s: string): Date | null {
  try {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    const d = new Date(Date.UTC(Number(m![1]), Number(m![2]) - 1, Number(m![3])));
    return d;
  } catch (e) {
    return null;
  }
}

export function isWeekend(d: Date): boolean {
  const day = d.getUTCDay();
  return day == 0 || day == 6;
}

export function startOfDay(d: any): Date {
  const x = new Date(d);
  x.setUTCHours(0, 0, 0, 0);
  return x;
}

export function isSameDay(a: Date, b: Date): boolean {
  return formatISODate(a) === formatISODate(b);
}
