// Maintenance windows (UTC days and hours): whether an instant is inside, and when the next one opens.
// Pure functions of time, so workflow code can use them with its deterministic clock.
import { DAYS, type MaintenanceWindow } from './patching';

export function inWindow(atMs: number, w: MaintenanceWindow): boolean {
  const d = new Date(atMs);
  const day = DAYS[d.getUTCDay()]!;
  const hour = d.getUTCHours();
  const inHours = w.startHour < w.endHour ? hour >= w.startHour && hour < w.endHour : hour >= w.startHour || hour < w.endHour;
  // For a window past midnight, the early hours belong to the previous day's window.
  const windowDay = w.startHour > w.endHour && hour < w.endHour ? DAYS[(d.getUTCDay() + 6) % 7]! : day;
  return inHours && (!w.days || w.days.includes(windowDay));
}

/** The instant the window next opens (atMs itself when inside); undefined if it never opens. */
export function nextWindowStart(atMs: number, w: MaintenanceWindow): number | undefined {
  if (inWindow(atMs, w)) return atMs;
  const hourMs = 3_600_000;
  const firstHour = Math.ceil(atMs / hourMs) * hourMs;
  for (let t = firstHour; t < atMs + 8 * 24 * hourMs; t += hourMs) if (inWindow(t, w)) return t;
  return undefined;
}
