// Moments as every page of the site shows them (web/templating.py cn_datetime): China time, 2026年3月2日 09:05,
// whatever the time zone of the browser.

const PARTS = new Intl.DateTimeFormat("en-US", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
  hourCycle: "h23",
});

export function cnDateTime(iso) {
  if (!iso) return "";
  const part = Object.fromEntries(PARTS.formatToParts(new Date(iso)).map(({ type, value }) => [type, value]));
  return `${part.year}年${Number(part.month)}月${Number(part.day)}日 ${part.hour}:${part.minute}`;
}
