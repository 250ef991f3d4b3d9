//! The seeded world the sandbox serves: one tenant, its users, teams,
//! schedules, escalation policies, alert sources and alerts.
//!
//! Everything is derived from a seed and from the server's clock at start-up,
//! so two sandboxes started with the same seed serve the same names and ids,
//! and shifts always sit around "now" however late the tests run.

use chrono::{DateTime, Duration, DurationRound, Utc};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// The tenant every seeded user belongs to (ilert's `tenant_id` in token_info).
pub const TENANT: &str = "sandbox";
/// The user the demo sign-in consents as: `/api/users/current` answers with them.
pub const DEMO_USERNAME: &str = "ada";

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub username: &'static str,
    pub timezone: &'static str,
    pub role: &'static str,
    pub shift_color: &'static str,
    pub region: &'static str,
    pub language: &'static str,
    pub position: &'static str,
    pub department: &'static str,
}

impl User {
    pub fn email(&self) -> String {
        format!("{}@{}.example.com", self.username, TENANT)
    }
}

#[derive(Debug, Clone)]
pub struct Team {
    pub id: i64,
    pub name: &'static str,
    pub visibility: &'static str,
    pub members: Vec<(i64, &'static str)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleType {
    Recurring,
    Static,
}

impl ScheduleType {
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleType::Recurring => "RECURRING",
            ScheduleType::Static => "STATIC",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Shift {
    pub user: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub id: i64,
    pub name: &'static str,
    pub kind: ScheduleType,
    pub timezone: &'static str,
    pub teams: Vec<i64>,
    /// ISO-8601 rotation of the single layer of a recurring schedule.
    pub rotation: Option<&'static str>,
    pub layer_users: Vec<i64>,
    /// Overrides are in `shifts` too; these say which turns they are.
    pub shifts: Vec<Shift>,
    pub overrides: Vec<Shift>,
}

impl Schedule {
    /// The shift covering `at`, if anybody is on call then.
    pub fn shift_at(&self, at: DateTime<Utc>) -> Option<&Shift> {
        self.shifts.iter().find(|s| s.start <= at && at < s.end)
    }

    /// `user` covers `start..end`: the turns there are cut around it, as
    /// ilert's `PUT /schedules/{id}/overrides` does.
    pub fn cover(&mut self, user: i64, start: DateTime<Utc>, end: DateTime<Utc>) {
        let mut shifts = Vec::with_capacity(self.shifts.len() + 2);
        for s in self.shifts.drain(..) {
            if s.end <= start || s.start >= end {
                shifts.push(s);
                continue;
            }
            if s.start < start {
                shifts.push(Shift { end: start, ..s });
            }
            if s.end > end {
                shifts.push(Shift { start: end, ..s });
            }
        }
        let cover = Shift { user, start, end };
        shifts.push(cover);
        shifts.sort_by_key(|s| s.start);
        self.shifts = shifts;
        self.overrides.push(cover);
    }

    /// The first shift that starts after `at`.
    pub fn next_shift(&self, at: DateTime<Utc>) -> Option<&Shift> {
        self.shifts.iter().find(|s| s.start > at)
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    /// Minutes before the alert escalates to the next rule.
    pub timeout: i64,
    pub users: Vec<i64>,
    pub schedules: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub id: i64,
    pub name: &'static str,
    pub routing_key: &'static str,
    pub teams: Vec<i64>,
    pub repeating: bool,
    pub frequency: i64,
    pub rules: Vec<Rule>,
}

/// The five alert-source states ilert reports.
pub const SOURCE_STATUSES: [&str; 5] = ["PENDING", "ALL_ACCEPTED", "ALL_RESOLVED", "IN_MAINTENANCE", "DISABLED"];

#[derive(Debug, Clone)]
pub struct AlertSource {
    pub id: i64,
    pub name: String,
    pub integration_type: &'static str,
    pub status: &'static str,
    pub active: bool,
    pub policy: i64,
    pub teams: Vec<i64>,
    pub integration_key: String,
    pub alert_creation: &'static str,
    pub alert_priority_rule: &'static str,
    pub auto_resolution_timeout: &'static str,
}

#[derive(Debug, Clone)]
pub struct Responder {
    pub user: i64,
    pub status: &'static str,
    pub accepted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Alert {
    pub id: i64,
    pub summary: String,
    pub details: String,
    pub report_time: DateTime<Utc>,
    pub resolved_on: Option<DateTime<Utc>>,
    pub status: &'static str,
    pub priority: &'static str,
    pub source: i64,
    pub policy: i64,
    pub alert_key: String,
    pub responders: Vec<Responder>,
    /// Set by `PUT /api/alerts/{id}/assign`; `None`: as raised.
    pub assigned: Option<Assigned>,
}

/// Where `PUT /api/alerts/{id}/assign` sent an alert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Assigned {
    /// To a person or to whoever a schedule has on call: they are its one
    /// responder, and it no longer climbs a policy.
    Directly,
    /// To a policy: it climbs that policy's rules from this time.
    Policy { since: DateTime<Utc> },
}

/// Where an unaccepted alert stands on its escalation policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// The index of the rule reached.
    pub rule: usize,
    pub next_at: Option<DateTime<Utc>>,
    pub next_user: Option<i64>,
    /// Everybody the rules reached so far.
    pub notified: Vec<i64>,
}

/// The whole tenant. The REST handlers read it and the two write endpoints
/// (`PUT /alert-sources/{id}`, `PUT /alerts/{id}/…`) change it.
#[derive(Debug, Clone)]
pub struct World {
    pub started: DateTime<Utc>,
    pub users: Vec<User>,
    pub teams: Vec<Team>,
    pub schedules: Vec<Schedule>,
    pub policies: Vec<Policy>,
    pub sources: Vec<AlertSource>,
    pub alerts: Vec<Alert>,
    /// Created through `POST /api/maintenance-windows`; none seeded.
    pub maintenance: Vec<MaintenanceWindow>,
}

/// A maintenance window: its sources are `IN_MAINTENANCE` from its start to its end.
#[derive(Debug, Clone)]
pub struct MaintenanceWindow {
    pub id: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: Option<String>,
    pub sources: Vec<i64>,
    pub created_by: String,
}

impl World {
    /// The source is in a maintenance window now.
    pub fn in_maintenance(&self, source: i64, now: DateTime<Utc>) -> bool {
        self.maintenance.iter().any(|m| m.start <= now && now < m.end && m.sources.contains(&source))
    }

    pub fn user(&self, id: i64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }
    pub fn user_by_name(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }
    pub fn team(&self, id: i64) -> Option<&Team> {
        self.teams.iter().find(|t| t.id == id)
    }
    pub fn schedule(&self, id: i64) -> Option<&Schedule> {
        self.schedules.iter().find(|s| s.id == id)
    }
    pub fn policy(&self, id: i64) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id == id)
    }
    pub fn source(&self, id: i64) -> Option<&AlertSource> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Where an unaccepted alert on `policy` raised at `raised` stands at
    /// `at`: the rule it has reached (each rule waits its timeout before
    /// the next), when and to whom it escalates next (none after the last
    /// rule), and everybody the rules reached so far notified.
    /// How far an alert has climbed its policy by `at`. As ilert documents
    /// it, a LOW alert never escalates past its first rule.
    pub fn escalation_of(&self, a: &Alert, at: DateTime<Utc>) -> Escalation {
        let raised = match a.assigned {
            None => a.report_time,
            Some(Assigned::Policy { since }) => since,
            Some(Assigned::Directly) => return Escalation { rule: 0, next_at: None, next_user: None, notified: Vec::new() },
        };
        let e = self.escalation(a.policy, raised, at);
        if a.priority != "LOW" {
            return e;
        }
        let first = self.escalation(a.policy, raised, raised);
        Escalation { rule: 0, next_at: None, next_user: None, notified: first.notified }
    }

    pub fn escalation(&self, policy: i64, raised: DateTime<Utc>, at: DateTime<Utc>) -> Escalation {
        let rules = self.policy(policy).map(|p| p.rules.as_slice()).unwrap_or_default();
        let mut reached = 0;
        let mut due = raised;
        let mut next = None;
        for (i, rule) in rules.iter().enumerate() {
            due += Duration::minutes(rule.timeout);
            match rules.get(i + 1) {
                Some(_) if due <= at => reached = i + 1,
                Some(_) => {
                    next = Some((due, i + 1));
                    break;
                }
                None => break,
            }
        }
        let people = |i: usize, when: DateTime<Utc>| -> Vec<i64> {
            let Some(rule) = rules.get(i) else { return Vec::new() };
            let on_shift = rule.schedules.iter().filter_map(|s| self.schedule(*s)?.shift_at(when).map(|sh| sh.user));
            rule.users.iter().copied().chain(on_shift).collect()
        };
        let mut notified: Vec<i64> = (0..=reached).flat_map(|i| people(i, at)).collect();
        notified.dedup();
        Escalation {
            rule: reached,
            next_at: next.map(|(t, _)| t),
            next_user: next.and_then(|(t, i)| people(i, t).first().copied()),
            notified,
        }
    }

    /// Who a new alert on `policy` notifies first: the people of its first
    /// rule, named directly or on call in its schedules at `at`.
    pub fn first_responders(&self, policy: i64, at: DateTime<Utc>) -> Vec<i64> {
        let Some(rule) = self.policy(policy).and_then(|p| p.rules.first()) else { return Vec::new() };
        let on_shift = rule.schedules.iter().filter_map(|s| self.schedule(*s)?.shift_at(at).map(|sh| sh.user));
        let mut users: Vec<i64> = rule.users.iter().copied().chain(on_shift).collect();
        users.dedup();
        users
    }

    /// Builds the tenant for `seed`, with shifts placed around `now`.
    pub fn seeded(seed: u64, now: DateTime<Utc>) -> World {
        let mut rng = StdRng::seed_from_u64(seed);
        let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);

        let users = users();
        let teams = vec![
            Team { id: 1, name: "SRE", visibility: "PUBLIC", members: vec![(1, "ADMIN"), (2, "RESPONDER"), (3, "RESPONDER")] },
            Team {
                id: 2,
                name: "Platform",
                visibility: "PUBLIC",
                members: vec![(4, "ADMIN"), (5, "RESPONDER"), (6, "RESPONDER"), (1, "USER")],
            },
            Team { id: 3, name: "Payments", visibility: "PRIVATE", members: vec![(7, "ADMIN"), (8, "RESPONDER"), (1, "RESPONDER")] },
        ];

        // Recurring schedules rotate through their layer; the rotation is
        // anchored so that the current shift began a little before now.
        let rotate = |users: &[i64], len: Duration, current_started: DateTime<Utc>| {
            let mut shifts = Vec::new();
            let mut start = current_started - len * 14;
            // Who is on call at the anchor is users[0]; walk back 14 shifts.
            let mut idx = (users.len() * 14 - 14) % users.len();
            while start < current_started + Duration::days(21) {
                shifts.push(Shift { user: users[idx % users.len()], start, end: start + len });
                start += len;
                idx += 1;
            }
            shifts
        };
        let sre_users = vec![1, 2, 3];
        let platform_users = vec![4, 5, 6];
        let schedules = vec![
            Schedule {
                id: 1,
                name: "SRE Primary",
                kind: ScheduleType::Recurring,
                timezone: "Europe/Berlin",
                teams: vec![1],
                rotation: Some("PT12H"),
                shifts: rotate(&sre_users, Duration::hours(12), hour - Duration::hours(3)),
                overrides: Vec::new(),
                layer_users: sre_users,
            },
            Schedule {
                id: 2,
                name: "Platform Weekly",
                kind: ScheduleType::Recurring,
                timezone: "America/New_York",
                teams: vec![2],
                rotation: Some("P7D"),
                shifts: rotate(&platform_users, Duration::days(7), hour - Duration::days(2)),
                overrides: Vec::new(),
                layer_users: platform_users,
            },
            Schedule {
                id: 3,
                name: "Payments Static",
                kind: ScheduleType::Static,
                timezone: "Europe/Berlin",
                teams: vec![3],
                rotation: None,
                layer_users: vec![7, 1, 8],
                overrides: Vec::new(),
                shifts: vec![
                    Shift { user: 8, start: hour - Duration::days(3), end: hour - Duration::days(1) },
                    Shift { user: 7, start: hour - Duration::days(1), end: hour + Duration::hours(20) },
                    Shift { user: 1, start: hour + Duration::hours(20), end: hour + Duration::days(3) },
                    Shift { user: 8, start: hour + Duration::days(3), end: hour + Duration::days(6) },
                ],
            },
        ];

        let policies = vec![
            Policy {
                id: 1,
                name: "SRE Critical",
                routing_key: "sre-critical",
                teams: vec![1],
                repeating: true,
                frequency: 2,
                rules: vec![
                    Rule { timeout: 15, users: vec![], schedules: vec![1] },
                    Rule { timeout: 30, users: vec![3], schedules: vec![] },
                ],
            },
            Policy {
                id: 2,
                name: "Platform Default",
                routing_key: "platform",
                teams: vec![2],
                repeating: false,
                frequency: 1,
                rules: vec![
                    Rule { timeout: 10, users: vec![], schedules: vec![2] },
                    Rule { timeout: 20, users: vec![4], schedules: vec![] },
                ],
            },
            Policy {
                id: 3,
                name: "Payments Escalation",
                routing_key: "payments",
                teams: vec![3],
                repeating: false,
                frequency: 1,
                rules: vec![
                    Rule { timeout: 5, users: vec![], schedules: vec![3] },
                    Rule { timeout: 15, users: vec![1, 7], schedules: vec![] },
                ],
            },
        ];

        let services = [
            "Checkout API",
            "Payments Gateway",
            "Search",
            "Auth Service",
            "Billing",
            "Inventory",
            "Notifications",
            "CDN Edge",
            "Postgres Primary",
            "Kafka Cluster",
            "Web Frontend",
            "Mobile Backend",
            "Reporting",
            "Data Warehouse",
            "Mail Relay",
            "Status Page",
            "VPN Gateway",
            "Kubernetes Prod",
            "Redis Cache",
            "Object Storage",
        ];
        let envs = ["prod", "staging", "eu-west"];
        let integrations = [
            "API",
            "PROMETHEUS",
            "GRAFANA",
            "DATADOG",
            "EMAIL2",
            "HEARTBEAT2",
            "NAGIOS",
            "ZABBIX",
            "CLOUDWATCH",
            "KUBERNETES",
            "NEWRELIC",
            "ICINGA",
        ];
        let creations = ["ONE_ALERT_PER_EMAIL", "ONE_PENDING_ALERT_ALLOWED", "ONE_OPEN_ALERT_ALLOWED", "ONE_ALERT_GROUPED_PER_WINDOW"];
        let priorities = ["HIGH", "LOW", "HIGH_DURING_SUPPORT_HOURS", "LOW_DURING_SUPPORT_HOURS"];
        let mut sources = Vec::new();
        for (i, (env, service)) in envs.iter().flat_map(|e| services.iter().map(move |s| (e, s))).enumerate() {
            let id = 1200 + i as i64 + 1;
            // Every status occurs, most sources are calm, as in a real tenant.
            let status = match rng.random_range(0..10) {
                0 | 1 => "PENDING",
                2 => "ALL_ACCEPTED",
                3..=6 => "ALL_RESOLVED",
                7 => "IN_MAINTENANCE",
                _ => "DISABLED",
            };
            let status = if i < SOURCE_STATUSES.len() { SOURCE_STATUSES[i] } else { status };
            let policy = 1 + (i as i64 % 3);
            let key: u128 = rng.random();
            sources.push(AlertSource {
                id,
                name: format!("{service} ({env})"),
                integration_type: integrations[rng.random_range(0..integrations.len())],
                status,
                active: status != "DISABLED",
                policy,
                teams: vec![policy],
                integration_key: uuid_like(key),
                alert_creation: creations[rng.random_range(0..creations.len())],
                alert_priority_rule: priorities[rng.random_range(0..priorities.len())],
                auto_resolution_timeout: "PT4H",
            });
        }

        // The demo incident's source ("Checkout API (prod)"): HIGH under every
        // reading of an event's own priority, so the demo's incident rings.
        sources[0].alert_priority_rule = "HIGH";

        let mut alerts = Vec::new();
        let summaries = [
            "High error rate",
            "Latency above SLO",
            "Disk almost full",
            "Heartbeat missed",
            "Certificate expires soon",
            "Pod crash looping",
        ];
        for (n, source) in sources.iter().filter(|s| s.status != "DISABLED").take(30).enumerate() {
            let status = match source.status {
                "PENDING" => "PENDING",
                "ALL_ACCEPTED" => "ACCEPTED",
                _ => "RESOLVED",
            };
            let report_time = now - Duration::minutes(rng.random_range(5..60 * 48));
            let responder_user = 1 + (n as i64 % 8);
            let accepted_at = (status != "PENDING").then(|| report_time + Duration::minutes(4));
            alerts.push(Alert {
                id: 9000 + n as i64 + 1,
                summary: format!("{}: {}", source.name, summaries[n % summaries.len()]),
                details: format!("Seeded alert {} of the ilert sandbox.", n + 1),
                report_time,
                resolved_on: (status == "RESOLVED").then(|| report_time + Duration::minutes(30)),
                status,
                priority: if n % 3 == 0 { "LOW" } else { "HIGH" },
                source: source.id,
                policy: source.policy,
                alert_key: format!("{}/{}", source.integration_type.to_lowercase(), n + 1),
                responders: vec![Responder {
                    user: responder_user,
                    status: if status == "PENDING" { "PENDING" } else { "ACCEPTED" },
                    accepted_at,
                }],
                assigned: None,
            });
        }

        World { started: now, users, teams, schedules, policies, sources, alerts, maintenance: Vec::new() }
    }
}

/// The sizes of the large tenant: a realistic one, for the request budget.
pub const LARGE_SOURCES: usize = 290;
pub const LARGE_SCHEDULES: usize = 90;
pub const LARGE_POLICIES: usize = 80;
pub const LARGE_OPEN_ALERTS: usize = 150;

/// A name made once per large tenant; the seeded types hold `&'static str`
/// (the small tenant's names are literals), so the few hundred generated
/// ones are leaked, once per sandbox started with `large`.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

impl World {
    /// The seeded tenant grown to [`LARGE_SOURCES`] sources,
    /// [`LARGE_SCHEDULES`] schedules, [`LARGE_POLICIES`] policies and
    /// [`LARGE_OPEN_ALERTS`] open alerts, as a company's real one.
    pub fn large(seed: u64, now: DateTime<Utc>) -> World {
        let mut w = World::seeded(seed, now);
        let mut rng = StdRng::seed_from_u64(seed ^ 0x1a43);
        let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
        let users: Vec<i64> = w.users.iter().map(|u| u.id).collect();
        for i in w.schedules.len()..LARGE_SCHEDULES {
            let layer: Vec<i64> = (0..3).map(|k| users[(i + k) % users.len()]).collect();
            let len = Duration::hours(8 + (i as i64 % 3) * 8);
            let mut shifts = Vec::new();
            let mut start = hour - len * 3;
            while start < hour + Duration::days(21) {
                shifts.push(Shift { user: layer[shifts.len() % layer.len()], start, end: start + len });
                start += len;
            }
            w.schedules.push(Schedule {
                id: i as i64 + 1,
                name: leak(format!("Rotation {}", i + 1)),
                kind: ScheduleType::Recurring,
                timezone: "Europe/Berlin",
                teams: vec![1 + (i as i64 % 3)],
                rotation: Some("PT8H"),
                layer_users: layer,
                shifts,
                overrides: Vec::new(),
            });
        }
        for i in w.policies.len()..LARGE_POLICIES {
            w.policies.push(Policy {
                id: i as i64 + 1,
                name: leak(format!("Service {} escalation", i + 1)),
                routing_key: leak(format!("service-{}", i + 1)),
                teams: vec![1 + (i as i64 % 3)],
                repeating: false,
                frequency: 1,
                rules: vec![
                    Rule { timeout: 15, users: vec![], schedules: vec![1 + (i as i64 % LARGE_SCHEDULES as i64)] },
                    Rule { timeout: 30, users: vec![users[i % users.len()]], schedules: vec![] },
                ],
            });
        }
        for i in w.sources.len()..LARGE_SOURCES {
            let policy = 1 + (i as i64 % LARGE_POLICIES as i64);
            w.sources.push(AlertSource {
                id: 1200 + i as i64 + 1,
                name: format!("Microservice {} (prod)", i + 1),
                integration_type: "PROMETHEUS",
                status: if i.is_multiple_of(7) { "PENDING" } else { "ALL_RESOLVED" },
                active: true,
                policy,
                teams: vec![1 + (i as i64 % 3)],
                integration_key: uuid_like(rng.random()),
                alert_creation: "ONE_OPEN_ALERT_ALLOWED",
                alert_priority_rule: "HIGH",
                auto_resolution_timeout: "PT4H",
            });
        }
        let open = |a: &Alert| a.status != "RESOLVED";
        let mut n = w.alerts.len();
        while w.alerts.iter().filter(|a| open(a)).count() < LARGE_OPEN_ALERTS {
            let source = &w.sources[60 + n % (LARGE_SOURCES - 60)];
            let report_time = now - Duration::minutes(rng.random_range(5..60 * 72));
            let pending = !n.is_multiple_of(4);
            w.alerts.push(Alert {
                id: 9000 + n as i64 + 1,
                summary: format!("{}: check failing", source.name),
                details: "Seeded alert of the large tenant.".into(),
                report_time,
                resolved_on: None,
                status: if pending { "PENDING" } else { "ACCEPTED" },
                priority: if n.is_multiple_of(5) { "HIGH" } else { "LOW" },
                source: source.id,
                policy: source.policy,
                alert_key: format!("large/{n}"),
                responders: vec![Responder {
                    user: users[n % users.len()],
                    status: if pending { "PENDING" } else { "ACCEPTED" },
                    accepted_at: (!pending).then(|| report_time + Duration::minutes(3)),
                }],
                assigned: None,
            });
            n += 1;
        }
        w
    }
}

fn users() -> Vec<User> {
    let u = |id, first_name, last_name, username, timezone, role, shift_color, region| User {
        id,
        first_name,
        last_name,
        username,
        timezone,
        role,
        shift_color,
        region,
        language: "en",
        position: "",
        department: "",
    };
    vec![
        u(1, "Ada", "Lovelace", "ada", "Europe/Berlin", "ADMIN", "#3b82f6", "DE"),
        u(2, "Grace", "Hopper", "grace", "America/New_York", "USER", "#ef4444", "US"),
        u(3, "Alan", "Turing", "alan", "Europe/Berlin", "RESPONDER", "#10b981", "GB"),
        u(4, "Margaret", "Hamilton", "margaret", "America/New_York", "ADMIN", "#f59e0b", "US"),
        u(5, "Edsger", "Dijkstra", "edsger", "Europe/Berlin", "USER", "#8b5cf6", "DE"),
        u(6, "Barbara", "Liskov", "barbara", "America/Los_Angeles", "USER", "#ec4899", "US"),
        u(7, "Donald", "Knuth", "donald", "America/Los_Angeles", "RESPONDER", "#14b8a6", "US"),
        u(8, "Frances", "Allen", "frances", "Asia/Istanbul", "STAKEHOLDER", "#64748b", "DE"),
    ]
}

pub(crate) fn uuid_like(v: u128) -> String {
    let h = format!("{v:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_cuts_the_turns_around_it_and_is_listed() {
        let t0 = Utc::now();
        let h = |n: i64| t0 + Duration::hours(n);
        let mut s = Schedule {
            id: 1,
            name: "S",
            kind: ScheduleType::Recurring,
            timezone: "UTC",
            teams: vec![],
            rotation: None,
            layer_users: vec![1, 2],
            shifts: vec![Shift { user: 1, start: h(0), end: h(12) }, Shift { user: 2, start: h(12), end: h(24) }],
            overrides: vec![],
        };
        s.cover(3, h(10), h(14));
        let turns: Vec<(i64, i64, i64)> = s.shifts.iter().map(|t| (t.user, (t.start - t0).num_hours(), (t.end - t0).num_hours())).collect();
        assert_eq!(turns, [(1, 0, 10), (3, 10, 14), (2, 14, 24)]);
        assert_eq!(s.overrides.len(), 1);
        // Inside one turn: that turn is cut in two.
        s.cover(4, h(16), h(18));
        let users: Vec<i64> = s.shifts.iter().map(|t| t.user).collect();
        assert_eq!(users, [1, 3, 2, 4, 2]);
    }

    #[test]
    fn the_large_tenant_has_a_real_companys_sizes() {
        let w = World::large(42, Utc::now());
        assert_eq!((w.sources.len(), w.schedules.len(), w.policies.len()), (LARGE_SOURCES, LARGE_SCHEDULES, LARGE_POLICIES));
        assert_eq!(w.alerts.iter().filter(|a| a.status != "RESOLVED").count(), LARGE_OPEN_ALERTS);
        let ids = |v: Vec<i64>| v.len() == v.iter().collect::<std::collections::BTreeSet<_>>().len();
        assert!(ids(w.alerts.iter().map(|a| a.id).collect()) && ids(w.sources.iter().map(|s| s.id).collect()), "ids are unique");
        assert!(w.policies.iter().all(|p| p.rules.iter().all(|r| r.schedules.iter().all(|s| w.schedule(*s).is_some()))));
    }

    #[test]
    fn same_seed_same_world_and_every_source_status_occurs() {
        let now = Utc::now();
        let a = World::seeded(7, now);
        let b = World::seeded(7, now);
        assert_eq!(a.sources.len(), 60);
        let names = |w: &World| w.sources.iter().map(|s| (s.name.clone(), s.status, s.integration_key.clone())).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        for status in SOURCE_STATUSES {
            assert!(a.sources.iter().any(|s| s.status == status), "{status} missing");
        }
        for state in ["PENDING", "ACCEPTED", "RESOLVED"] {
            assert!(a.alerts.iter().any(|al| al.status == state), "alert state {state} missing");
        }
    }

    #[test]
    fn an_unaccepted_alert_climbs_the_rules_as_their_timeouts_pass() {
        let now = Utc::now();
        let w = World::seeded(42, now);
        // Payments Escalation: rule 1 (its schedule) for 5 min, then Ada and Donald.
        let fresh = w.escalation(3, now, now);
        assert_eq!((fresh.rule, fresh.next_at, fresh.next_user), (0, Some(now + Duration::minutes(5)), Some(1)));
        let later = w.escalation(3, now - Duration::minutes(6), now);
        assert_eq!((later.rule, later.next_at), (1, None), "the last rule: no next");
        assert!(later.notified.contains(&1) && later.notified.contains(&7), "{:?}", later.notified);
    }

    #[test]
    fn a_low_alert_never_escalates_past_its_first_rule() {
        let now = Utc::now();
        let w = World::seeded(42, now);
        let alert = |priority: &'static str| Alert {
            id: 1,
            summary: "x".into(),
            details: String::new(),
            report_time: now - Duration::minutes(6),
            resolved_on: None,
            status: "PENDING",
            priority,
            source: 1201,
            policy: 3,
            alert_key: "k".into(),
            responders: vec![],
            assigned: None,
        };
        let high = w.escalation_of(&alert("HIGH"), now);
        assert_eq!(high.rule, 1, "HIGH climbs");
        let low = w.escalation_of(&alert("LOW"), now);
        assert_eq!((low.rule, low.next_at, low.next_user), (0, None, None), "LOW stays at its first rule");
        assert!(low.notified.len() < high.notified.len(), "{:?} vs {:?}", low.notified, high.notified);
    }

    #[test]
    fn every_schedule_has_a_current_and_a_next_shift_around_now() {
        let now = Utc::now();
        let w = World::seeded(1, now);
        for s in &w.schedules {
            let cur = s.shift_at(now).unwrap_or_else(|| panic!("{} has nobody on call", s.name));
            assert!(cur.start <= now && now < cur.end);
            let next = s.next_shift(now).expect("next shift");
            assert!(next.start >= cur.end);
        }
        // The demo user is on call now in SRE Primary.
        assert_eq!(w.schedules[0].shift_at(now).unwrap().user, 1);
    }
}
