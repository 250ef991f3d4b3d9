// Times as people read them: "18:00" today, "Tue 09:00" this week, with a
// relative part ("in 3 h", "2 min ago").

const dayMs = 86_400_000;

/** @param {Date} d @param {Date} now */
export function clock(d, now = new Date()) {
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const sameDay = d.toDateString() === now.toDateString();
  if (sameDay) return time;
  if (Math.abs(d.getTime() - now.getTime()) < 6 * dayMs) return `${d.toLocaleDateString([], { weekday: "short" })} ${time}`;
  return `${d.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}

/** @param {Date} d @param {Date} now */
export function relative(d, now = new Date()) {
  const s = Math.round((d.getTime() - now.getTime()) / 1000);
  const a = Math.abs(s);
  const text =
    a < 60 ? "less than a minute" :
    a < 3600 ? `${Math.round(a / 60)} min` :
    a < dayMs / 1000 ? `${Math.round(a / 3600)} h` :
    `${Math.round(a / 86400)} d`;
  if (a < 60) return s >= 0 ? "in under a minute" : "just now";
  return s >= 0 ? `in ${text}` : `${text} ago`;
}

/** "until 18:00, in 3 h" */
export const until = (iso, now = new Date()) => {
  const d = new Date(iso);
  return `until ${clock(d, now)}, ${relative(d, now)}`;
};

/** "from Tue 09:00, in 2 d" */
export const from = (iso, now = new Date()) => {
  const d = new Date(iso);
  return `from ${clock(d, now)}, ${relative(d, now)}`;
};

/** PENDING -> "Pending", ALL_ACCEPTED -> "All accepted" */
export const words = (s) => (s ? s.charAt(0) + s.slice(1).toLowerCase().replaceAll("_", " ") : "");

/**
 * The alert a window was built to show (`#alert=ID`, from a notification or
 * the tray while the window was closed), or null.
 * @param {string} hash
 * @returns {number|null}
 */
export function askedAlert(hash) {
  const m = /^#alert=(\d{1,15})$/.exec(hash);
  return m ? Number(m[1]) : null;
}
