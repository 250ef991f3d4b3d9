// The dashboard's panels, each from its own {state, …} as the core sends it:
// loading, ready (with data, possibly empty), notGranted, or error. An error
// that comes with `last` (the core kept the panel's last data) is shown as
// stale: the data, its age, and why it is not newer.

import { h } from "./dom.js";
import { until, from, words, clock, relative } from "./format.js";

const SCOPE_WORDS = {
  source: "alert sources",
  schedule: "schedules and on-call",
  policy: "escalation policies",
  profile: "your profile",
  alert: "alerts",
};

/**
 * A panel's data to show: this refresh's, or the stale data kept from before.
 * @template T @param {import("./ipc.js").Panel<T> | undefined} panel @returns {T | null}
 */
export function latest(panel) {
  return panel?.state === "ready" ? panel.data : panel?.state === "error" ? panel.last?.data ?? null : null;
}

/** The "not granted" state, with the button that signs in again with the scope. */
function notGranted(panel, onGrant) {
  const what = SCOPE_WORDS[panel.scope] ?? panel.scope;
  return h("div", { class: "state not-granted" },
    h("p", null, `Access to ${what} was not granted to this sign-in (scope `, h("code", null, panel.scope), ").") ,
    h("button", { type: "button", class: "primary grant", "data-scope": panel.scope, onclick: () => onGrant(panel.scope) }, `Grant access to ${what}`));
}

function errorState(panel, onRetry) {
  return h("div", { class: "state error-state" },
    h("p", { class: "error" }, panel.message),
    h("button", { type: "button", class: "retry", onclick: onRetry }, "Try again"));
}

/**
 * Renders one panel section. `render(data)` returns the content for ready data.
 * @template T
 * @param {HTMLElement} section
 * @param {import("./ipc.js").Panel<T>} panel
 * @param {{render: (data: T) => Node, isEmpty: (data: T) => boolean, empty: string, onGrant: (scope: string) => void, onRetry: () => void}} o
 */
export function renderPanel(section, panel, o) {
  if (panel.state === "loading") return loading(section);
  const body = section.querySelector(".body");
  section.setAttribute("aria-busy", "false");
  let content;
  /** @type {string} */
  let state = panel.state;
  if (panel.state === "ready") {
    state = o.isEmpty(panel.data) ? "empty" : "ready";
    content = state === "empty" ? h("p", { class: "state empty muted" }, o.empty) : o.render(panel.data);
    const partialError = /** @type {{partialError?: string}} */ (panel.data).partialError;
    if (partialError) {
      content = h("div", null, h("p", { class: "state partial-error error" }, `Part of this could not be loaded: ${partialError}.`), content);
    }
    if (panel.unreadable) {
      // ilert sent entries we could not read: say so rather than hide them silently.
      const n = panel.unreadable;
      content = h("div", null, h("p", { class: "state unreadable-note muted small" }, `${n} ${n === 1 ? "entry" : "entries"} could not be read.`), content);
    }
  } else if (panel.state === "notGranted") {
    content = notGranted(panel, o.onGrant);
  } else if (panel.last) {
    // The core kept what we had; say it is old and why.
    state = "stale";
    content = h("div", null,
      h("p", { class: "state stale-note" }, `Could not refresh (${panel.message}). Showing data from ${clock(new Date(panel.last.fetchedAt))}.`,
        " ", h("button", { type: "button", class: "retry link", onclick: o.onRetry }, "Try again")),
      o.render(panel.last.data));
  } else {
    content = errorState(panel, o.onRetry);
  }
  section.dataset.state = state;
  body.replaceChildren(content);
}

export function loading(section) {
  section.dataset.state = "loading";
  section.setAttribute("aria-busy", "true");
  section.querySelector(".body").replaceChildren(h("p", { class: "state loading muted" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Loading…"));
}

/** On call: my shifts first, then each policy's levels, then schedules. */
export function onCallView(onCall, schedules, take = null, now = new Date()) {
  const parts = [];
  if (onCall) {
    // My current shifts and the next one; the rest as a count.
    const current = onCall.myShifts.filter((s) => s.current);
    const upcoming = onCall.myShifts.filter((s) => !s.current);
    const mine = [...current, ...upcoming.slice(0, 1)];
    const more = upcoming.length - 1;
    parts.push(h("h4", null, "My shifts"));
    parts.push(mine.length
      ? h("ul", { class: "list my-shifts" }, mine.map((s) => h("li", { class: s.current ? "now" : "" },
          h("strong", null, s.current ? "On call now" : "Next"), " · ", s.schedule ?? "", " ",
          h("span", { class: "muted" }, s.current ? until(s.end, now) : from(s.start, now)),
          s.policies.length ? h("div", { class: "muted small" }, `for ${s.policies.join(", ")}`) : null)),
          more > 0 ? h("li", { class: "muted small more" }, `and ${more} more in the next 14 days`) : null)
      : h("p", { class: "muted" }, "You have no shifts in the next 14 days."));
    parts.push(h("h4", null, "Escalation policies"));
    parts.push(h("ul", { class: "list policies" }, onCall.policies.map((p) => h("li", { class: "policy" },
      h("div", { class: "policy-name" }, p.name),
      p.levels.length
        ? h("ol", { class: "levels" }, p.levels.map((l) => h("li", null,
            h("span", { class: "level" }, `Level ${l.level}`), " ",
            l.people.map((person, i) => [i ? ", " : "",
              h("span", { class: person.mine ? "person me" : "person" }, person.name + (person.mine ? " (you)" : "")),
              person.until ? h("span", { class: "muted small" }, ` ${until(person.until, now)}`) : h("span", { class: "muted small" }, " always"),
              person.schedule ? h("span", { class: "muted small" }, ` via ${person.schedule}`) : null]))))
        : h("p", { class: "muted small" }, "Nobody is on call.")))));
  }
  if (schedules) {
    parts.push(h("h4", null, "Schedules"));
    parts.push(h("ul", { class: "list schedules" }, schedules.map((s) => h("li", null,
      h("div", { class: "policy-name" }, s.name),
      h("div", null, s.current ? [h("span", { class: s.current.mine ? "person me" : "person" }, s.current.name), " ", h("span", { class: "muted small" }, until(s.current.end, now))] : h("span", { class: "muted" }, "Nobody now")),
      s.next ? h("div", { class: "muted small" }, `Next: ${s.next.name} ${from(s.next.start, now)}`) : null,
      take && s.current && !s.current.mine && s.current.userId != null
        ? h("div", { class: "actions take-pager" }, h("span", { class: "small muted" }, "Take on-call: "),
            TAKE_FOR.map(([length, label]) => h("button", { type: "button", class: "take", "data-length": length,
              "aria-label": `Take on-call for ${s.name}, covering for ${s.current?.name}: ${label ?? `until ${clock(new Date(s.current?.end ?? now), now)}`}`,
              onclick: () => take(s.id, length) }, label ?? `until ${clock(new Date(s.current?.end ?? now), now)}`)))
        : null))));
  }
  return h("div", null, parts);
}

/** The lengths of a cover, as `TakeFor` names them (`null`: until the colleague's shift ends; the core never covers past it). */
const TAKE_FOR = /** @type {const} */ ([["halfHour", "30 min"], ["hour", "1 h"], ["shiftEnd", null]]);

const STATUS_CLASS = {
  PENDING: "bad", ALL_ACCEPTED: "warn", ALL_RESOLVED: "ok", IN_MAINTENANCE: "info", DISABLED: "off",
};

/** Alert sources as a table, filtered by `filter` (any field, case-insensitive). */
/** The maintenance lengths offered, as `MaintainFor` names them. */
const MAINTAIN_FOR = /** @type {const} */ ([["halfHour", "30 min"], ["hour", "1 h"], ["twoHours", "2 h"]]);

/**
 * Alert sources as a table, filtered; with `maintain`, each row offers a
 * maintenance window (quiet it for a deploy).
 * @param {import("./bindings/AlertSource").AlertSource[]} sources
 * @param {string} filter
 * @param {((id: number, length: import("./bindings/MaintainFor").MaintainFor) => void) | null} [maintain]
 */
export function sourcesView(sources, filter, maintain = null) {
  const f = filter.trim().toLowerCase();
  const shown = f
    ? sources.filter((s) => [s.name, s.status ?? "", words(s.status ?? "UNKNOWN"), s.integrationType ?? "", s.escalationPolicy?.name ?? ""].some((v) => v.toLowerCase().includes(f)))
    : sources;
  if (!shown.length) return h("p", { class: "state empty muted" }, `No alert source matches “${filter}”.`);
  const head = ["Name", "Status", "Integration", "Escalation policy", ...(maintain ? ["Maintenance"] : [])];
  return h("table", { class: "sources" },
    h("thead", null, h("tr", null, head.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, shown.map((s) => h("tr", { "data-id": s.id },
      h("td", null, s.name),
      h("td", null, h("span", { class: `pill ${STATUS_CLASS[s.status] ?? "off"}` }, words(s.status ?? "UNKNOWN"))),
      h("td", null, words(s.integrationType ?? "")),
      h("td", null, s.escalationPolicy?.name ?? "—"),
      maintain
        ? h("td", { class: "maintain" }, MAINTAIN_FOR.map(([length, label]) =>
          h("button", { type: "button", class: "maintain", "data-length": length, "aria-label": `Maintenance for ${s.name}: ${label}`, onclick: () => maintain(s.id, length) }, label)))
        : null))));
}

const ALERT_CLASS = { PENDING: "bad", ACCEPTED: "warn" };

/**
 * The alerts the panel shows: those I am a responder of, or all open ones.
 * @param {import("./bindings/OpenAlerts").OpenAlerts} open
 * @param {boolean} all
 */
function shownAlerts(open, all) {
  return all ? open.alerts : open.alerts.filter((a) => a.responder);
}

/**
 * Open alerts as a table, newest first: those I am a responder of, unless `all`.
 * @param {import("./bindings/OpenAlerts").OpenAlerts} open
 * @param {boolean} all
 */
export function alertsView(open, all, onAct = null, onOpen = null, now = new Date()) {
  const rows = shownAlerts(open, all);
  if (!rows.length) return h("p", { class: "state empty muted" }, all ? "No open alerts." : "No open alerts where you are a responder.");
  return h("table", { class: "alerts" },
    h("thead", null, h("tr", null, ["Summary", "Source", "Priority", "Status", "Opened", "Responders", ...(onAct ? [""] : [])].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, rows.map((a) => h("tr", { "data-id": a.id, id: `alert-${a.id}` },
      h("td", null, onOpen ? h("button", { type: "button", class: "link open-alert", onclick: () => onOpen(a.id) }, a.summary) : a.summary, a.nextEscalation && a.status === "PENDING" && new Date(a.nextEscalation) > now ? h("div", { class: "muted small escalates" }, `escalates${a.nextEscalationUser ? ` to ${a.nextEscalationUser}` : ""} ${relative(new Date(a.nextEscalation), now)}`) : null),
      h("td", null, a.source),
      h("td", null, words(a.priority)),
      h("td", null, h("span", { class: `pill ${ALERT_CLASS[a.status] ?? "off"}` }, words(a.status))),
      h("td", null, a.reportTime ? relative(new Date(a.reportTime), now) : "—"),
      h("td", null, a.responders.join(", ") || "—"),
      onAct ? h("td", { class: "actions" },
        a.status === "PENDING" ? h("button", { type: "button", class: "act accept", onclick: () => onAct(a.id, "accept") }, "Accept") : null,
        h("button", { type: "button", class: "act resolve", onclick: () => onAct(a.id, "resolve") }, "Resolve")) : null))));
}

/**
 * One alert in full: details, who it escalates to and when, its log, and the way to ilert.
 * With `onHelp` (the sign-in may change alerts, and the alert is open),
 * "Add responder…" and "Reassign to…", whose picker goes in `.detail-help`.
 * @param {import("./bindings/AlertDetail").AlertDetail} d
 * @param {() => void} onOpenInIlert
 * @param {((how: import("./bindings/BringHelp").BringHelp) => void) | null} [onHelp]
 * @param {((length: import("./bindings/MaintainFor").MaintainFor) => void) | null} [onMaintain] maintenance for the alert's source
 */
export function alertDetailView(d, onOpenInIlert, onHelp = null, onMaintain = null, now = new Date()) {
  const escalation = d.status === "PENDING" && d.nextEscalation && new Date(d.nextEscalation) > now
    ? `escalates${d.nextEscalationUser ? ` to ${d.nextEscalationUser}` : ""} ${relative(new Date(d.nextEscalation), now)}`
    : null;
  return h("div", { class: "alert-detail", "data-id": d.id },
    h("h4", null, d.summary),
    h("dl", { class: "facts" },
      h("dt", null, "Status"), h("dd", { class: "detail-status" }, words(d.status), d.acceptedBy.length ? ` by ${d.acceptedBy.join(", ")}` : ""),
      h("dt", null, "Source"), h("dd", null, d.source || "—"),
      h("dt", null, "Priority"), h("dd", null, words(d.priority)),
      h("dt", null, "Opened"), h("dd", null, d.reportTime ? `${clock(new Date(d.reportTime), now)} (${relative(new Date(d.reportTime), now)})` : "—"),
      h("dt", null, "Responders"), h("dd", null, d.responders.join(", ") || "—"),
      escalation ? h("dt", null, "Escalation") : null, escalation ? h("dd", { class: "detail-escalation" }, escalation) : null),
    onHelp && d.status !== "RESOLVED"
      ? h("div", { class: "actions bring-help" },
          h("button", { type: "button", class: "add-responder", onclick: () => onHelp("addResponder") }, "Add responder…"),
          h("button", { type: "button", class: "reassign", onclick: () => onHelp("reassign") }, "Reassign to…"))
      : null,
    h("div", { class: "detail-help" }),
    onMaintain && d.sourceId != null
      ? h("div", { class: "actions detail-maintain" }, h("span", { class: "small muted" }, `Maintenance for ${d.source}: `),
          MAINTAIN_FOR.map(([length, label]) => h("button", { type: "button", class: "maintain", "data-length": length,
            "aria-label": `Maintenance for ${d.source}: ${label}`, onclick: () => onMaintain(length) }, label)))
      : null,
    d.details ? h("p", { class: "detail-details" }, d.details) : null,
    h("h5", null, "Who was told"),
    d.told == null
      ? h("p", { class: "muted small" }, "Could not be read from ilert.")
      : d.told.length
        ? h("ul", { class: "alert-told" }, d.told.map((t) => h("li", { class: t.failed ? "failed" : "" },
            t.at ? h("span", { class: "muted small" }, `${clock(new Date(t.at), now)} `) : null,
            t.who ?? "Someone", " · ", t.how, " · ", h("span", { class: t.failed ? "error" : "muted" }, t.outcome))))
        : h("p", { class: "muted small" }, "Nobody yet."),
    h("h5", null, "Log"),
    d.log.length
      ? h("ol", { class: "alert-log" }, d.log.map((l) => h("li", null, l.at ? h("span", { class: "muted small" }, `${clock(new Date(l.at), now)} `) : null, l.text)))
      : h("p", { class: "muted small" }, "No log entries."),
    d.unreadableLog ? h("p", { class: "muted small" }, `${d.unreadableLog} log entries could not be read.`) : null,
    h("button", { type: "button", class: "open-in-ilert", onclick: onOpenInIlert }, "Open in ilert"));
}

const HELP_GROUPS = [["suggested", "Suggested · on call for this alert"], ["person", "People"], ["policy", "Escalation policies"], ["schedule", "Schedules"]];

/**
 * Whom to bring in, as ilert suggests them, narrowed by `filter` (any part
 * of a name, any case) and grouped; one that ilert lists as disabled shows
 * but cannot be picked.
 * @param {import("./bindings/Helper").Helper[]} helpers
 * @param {string} filter
 * @param {(who: import("./bindings/Helper").Helper) => void} onPick
 */
export function helpersView(helpers, filter, onPick) {
  const f = filter.trim().toLowerCase();
  const shown = helpers.filter((x) => !f || x.name.toLowerCase().includes(f));
  if (!shown.length) return h("p", { class: "muted small" }, f ? `Nobody matches “${filter.trim()}”.` : "ilert suggests nobody.");
  const group = (/** @type {import("./bindings/Helper").Helper} */ x) => x.kind === "person" && x.suggested ? "suggested" : x.kind;
  return h("div", { class: "helpers" }, HELP_GROUPS.map(([key, title]) => {
    const items = shown.filter((x) => group(x) === key);
    return items.length
      ? [h("h6", null, title), h("ul", null, items.map((x) => h("li", null,
          h("button", { type: "button", class: "helper link", "data-kind": x.kind, "data-id": x.id, disabled: x.disabled, onclick: () => onPick(x) }, x.name))))]
      : null;
  }));
}

export function sessionView(info, now = new Date()) {
  return h("dl", { class: "facts" },
    h("dt", null, "User"), h("dd", { id: "session-user" }, info.username),
    h("dt", null, "Tenant"), h("dd", { id: "session-tenant" }, info.demo ? `${info.tenant} (demo)` : info.tenant),
    h("dt", null, "Scopes"), h("dd", { id: "session-scopes" }, info.scopes.join(" ")),
    h("dt", null, "Access token"), h("dd", null, info.accessExpiresAt ? `expires ${clock(new Date(info.accessExpiresAt), now)} (${relative(new Date(info.accessExpiresAt), now)}); renewed automatically` : "renewed when needed"),
    h("dt", null, "Stored"), h("dd", { id: "session-persistent" }, info.persistent ? "in the OS keyring" : "for this run only: the OS keyring is unavailable"));
}

const VERDICT_MARK = { pass: "✓", warn: "!", fail: "✗" };

/** "Will it ring?": one row per step, each with its verdict and, where it fails or warns, the fix. @param {import("./ipc.js").Report} report */
export function checkView(report) {
  return report.lines.map((l) =>
    h("li", { class: `check-line ${l.verdict}`, dataset: { step: l.step, verdict: l.verdict } },
      h("span", { class: "mark", "aria-hidden": "true" }, VERDICT_MARK[l.verdict]),
      h("span", null, h("strong", null, l.step), ": ", l.detail,
        l.fix ? h("span", { class: "fix" }, " Fix: ", l.fix) : null)));
}

const DAY_MS = 86_400_000;

/** A bar on the track; placed through the CSSOM, since the page's CSP takes no inline style. */
function bar(left, width) {
  const el = h("div", { class: "bar" });
  el.style.left = `${left.toFixed(2)}%`;
  el.style.width = `${width.toFixed(2)}%`;
  return el;
}

/**
 * My shifts ahead as rows on a 14-day track: when, where, who hands over to
 * me and whom I hand over to, and whether it is an override I cover.
 * @param {import("./ipc.js").ShiftAhead[]} shifts @param {Date} now
 */
export function timelineView(shifts, now = new Date()) {
  if (!shifts.length) return [h("li", { class: "muted" }, "You have no shifts in the next 14 days.")];
  const span = 14 * DAY_MS;
  const at = (iso) => Math.min(100, Math.max(0, ((new Date(iso).getTime() - now.getTime()) / span) * 100));
  return shifts.map((a) => {
    const s = a.shift;
    const left = at(s.start), width = Math.max(0.6, at(s.end) - left);
    return h("li", { class: a.cover ? "shift cover" : "shift", dataset: { start: s.start } },
      h("div", { class: "when" }, h("strong", null, clock(new Date(s.start), now)), " – ", clock(new Date(s.end), now),
        " · ", s.schedule ?? "On call", a.cover ? h("span", { class: "badge" }, "covering") : null),
      h("div", { class: "track", "aria-hidden": "true" }, bar(left, width)),
      h("div", { class: "muted small hand-over" },
        a.before ? `from ${a.before}` : "nobody before", " → you → ", a.after ? a.after : "nobody after",
        s.policies.length ? ` · for ${s.policies.join(", ")}` : ""));
  });
}
