//! The command line: `login`, `status`, `token`, `logout`, `doctor`; with no
//! subcommand the window opens. The steps are the app core's, shared with
//! the window; this file only parses arguments and prints.

use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use ilert_app::accounts::{self, SignedOut};
use ilert_app::settings::{self, keyring_service, BuiltIn, Settings, SettingsStore};
use ilert_app::sign_in::{self, Pending, Plan, Progress};
use ilert_app::{App, AppError};
use ilert_oauth::endpoint::http_client;
use ilert_oauth::session::blocking;
use ilert_oauth::token_store::KeyringStore;

/// See who is on call and how your ilert alert sources stand.
#[derive(Parser, Debug)]
#[command(name = "ilert-desktop", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// An alert link to open the window at: ilert-desktop://alert/ID, or the alert's page in ilert.
    #[arg(value_name = "LINK")]
    pub link: Option<String>,
    #[command(flatten)]
    pub options: Options,
}

/// The settings (each also an environment variable) and the profile.
#[derive(Args, Debug, Clone, Default)]
pub struct Options {
    #[command(flatten)]
    pub settings: Settings,
    /// A separate settings file and keyring entry.
    #[arg(long, env = "ILERT_PROFILE", global = true)]
    pub profile: Option<String>,
    /// Start in the tray, without showing the window (what start at login does).
    #[arg(long)]
    pub hidden: bool,
    /// The client this build carries (`main.rs` reads it at compile time).
    #[arg(skip)]
    pub built_in: BuiltIn,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Sign in through the system browser.
    Login {
        /// Do not open a browser; print the authorize URL on stderr.
        #[arg(long)]
        no_browser: bool,
    },
    /// Show who is signed in, the tenant, the granted scopes and the token expiry.
    Status,
    /// Print a valid access token on stdout (refreshing it if needed), for scripts.
    Token,
    /// Revoke the refresh token at ilert and forget it.
    Logout,
    /// Will a page ring? Checks each step a page takes, one line each, with
    /// the fix; exit 0 when a page would ring, 1 when not. No secrets in it.
    Doctor {
        /// Also show a test page (press its Acknowledge) and play the alarm for 3 s.
        #[arg(long)]
        test_page: bool,
        /// Seconds to wait for the test page's Acknowledge.
        #[arg(long, value_name = "SECS", default_value_t = crate::doctor::PRESS_WAIT.as_secs())]
        wait: u64,
    },
    /// My on-call shifts in the next 14 days, one per line.
    Shifts {
        /// As an iCalendar file (RFC 5545) for a calendar app, on stdout.
        #[arg(long)]
        ics: bool,
    },
}

impl Options {
    /// The profile's settings, with the flags and environment laid over the file.
    pub fn settings_store(&self) -> Result<SettingsStore, AppError> {
        let path = settings::settings_path(&settings::default_config_dir()?, self.profile.as_deref())?;
        SettingsStore::open_with(path, self.built_in, self.settings.clone())
    }

    /// The app core for these options.
    pub fn app(&self) -> Result<App, AppError> {
        Ok(App::new(self.settings_store()?, self.profile.clone()))
    }
}

/// A launch with a link is the desktop handing over a link (`Exec=ilert-desktop -- %u`),
/// so it carries nothing else: a flag beside it would let whoever wrote the
/// link also choose the API host or profile. A word that is neither a
/// subcommand nor a link (`ilert-desktop stauts`, a subcommand of a newer
/// version) is a mistake to say, not a link to hand to the running app.
pub fn check_link_launch(argv: &[std::ffi::OsString], link: &str) -> Result<(), String> {
    let is_link = ilert_app::links::alert_in(link).is_some()
        || link
            .get(..ilert_app::links::SCHEME.len() + 1)
            .is_some_and(|s| s.eq_ignore_ascii_case(&format!("{}:", ilert_app::links::SCHEME)));
    if !is_link {
        return Err(format!("'{link}' is neither a command nor an alert link (ilert-desktop://alert/ID, or an alert's page in ilert)"));
    }
    let others: Vec<String> = argv.iter().skip(1).map(|a| a.to_string_lossy().into_owned()).filter(|a| a != "--" && a != link).collect();
    if !others.is_empty() {
        return Err(format!("a link is opened on its own; {} cannot go with it", others.join(" ")));
    }
    Ok(())
}

/// Runs a subcommand; returns the exit code.
pub fn run(command: Command, options: Options) -> i32 {
    ilert_app::logging::init_cli();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let code = match rt.block_on(dispatch(command, options)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    };
    // A keyring call abandoned after its time limit may still be blocked in
    // D-Bus; do not wait for it on the way out.
    rt.shutdown_background();
    code
}

async fn dispatch(command: Command, options: Options) -> Result<i32, AppError> {
    let store = options.settings_store()?;
    let settings = store.current();
    // Refuse bad endpoints (plain http to a remote host) before anything else.
    settings.endpoints()?;
    let keyring = Arc::new(KeyringStore::new(keyring_service(options.profile.as_deref())));
    let restore = || accounts::restore(&settings, http_client(), keyring.clone());
    match command {
        Command::Login { no_browser } => {
            // Prove the keyring can keep a token before the browser opens.
            let probe = keyring.clone();
            blocking(move || probe.probe())
                .await
                .map_err(|e| ilert_oauth::Error::Keyring(format!("{e}. The command line cannot keep you signed in without it")))?;
            let plan = Plan {
                config: settings.oauth_config()?,
                store: keyring.clone(),
                http: http_client(),
                require_keyring: true,
                demo: None,
                no_browser,
                // Restored now: the new sign-in overwrites its keyring entry.
                previous: restore().await.ok().flatten().map(Arc::new),
                pending: &Pending::default(),
            };
            let progress = |p: Progress| match p {
                Progress::WaitingForBrowser { authorize_url, browser_opened: false, .. } if no_browser => eprintln!("{authorize_url}"),
                Progress::WaitingForBrowser { authorize_url, browser_opened: false, .. } => {
                    eprintln!("Could not open a browser. Open this URL to sign in:\n{authorize_url}")
                }
                Progress::WaitingForBrowser { .. } => eprintln!("Waiting for you to approve in the browser…"),
                Progress::SignedIn => {}
            };
            let open = |url: &str| tauri_plugin_opener::open_url(url, None::<&str>).map_err(|e| e.to_string());
            let remember = |a: &ilert_oauth::Account| store.change(|f| f.account = Some(a.clone()));
            let session = sign_in::sign_in(plan, progress, open, remember).await?;
            let a = session.account();
            eprintln!("Signed in as {} in tenant {}.", a.username, a.tenant);
            Ok(0)
        }
        Command::Status => match restore().await? {
            None => {
                println!("Not signed in.");
                Ok(1)
            }
            Some(session) => {
                // A usable access token proves the session; the stored one
                // serves when it is fresh, so `status` costs ilert nothing.
                session.access_token().await?;
                let scope = session.granted_scope().await?;
                let a = session.account();
                println!("Signed in: yes");
                println!("User:      {}", a.username);
                println!("Tenant:    {}", a.tenant);
                println!("Issuer:    {}", a.issuer);
                println!("Scopes:    {scope}");
                if let Some(left) = session.access_expires_in().await {
                    println!("Access token expires in {} s", left.as_secs());
                }
                Ok(0)
            }
        },
        Command::Token => match restore().await? {
            None => Err(AppError::NotSignedIn),
            Some(session) => {
                println!("{}", session.access_token().await?.expose());
                Ok(0)
            }
        },
        Command::Doctor { test_page, wait } => {
            let session = match restore().await {
                Ok(Some(s)) => crate::doctor::signed(s).await.map(Some),
                Ok(None) => Ok(None),
                Err(e) => Err(e.to_string()),
            };
            let test = test_page.then(|| (crate::doctor::IDENTIFIER.to_string(), std::time::Duration::from_secs(wait)));
            let facts = crate::doctor::facts(&settings, session, options.profile.as_deref(), None, test).await;
            let lines = ilert_app::doctor::check(&facts, chrono::Utc::now());
            print!("{}", ilert_app::doctor::render(&lines));
            Ok(if ilert_app::doctor::rings(&lines) { 0 } else { 1 })
        }
        Command::Shifts { ics } => {
            let Some(session) = restore().await? else { return Err(AppError::NotSignedIn) };
            let account = session.account().clone();
            let client = ilert_api::Client::new(Arc::new(session), http_client());
            let shifts = match ilert_app::view::timeline::read(&client, chrono::Utc::now()).await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: the on-call data could not be read: {e}");
                    return Ok(1);
                }
            };
            if ics {
                use ilert_app::view::calendar;
                let memory = calendar::memory_beside(store.path());
                print!("{}", calendar::ics_remembering(&shifts, &account.username, &account.tenant, chrono::Utc::now(), &memory));
            } else if shifts.is_empty() {
                println!("No shifts in the next {} days.", ilert_app::view::dashboard::MY_SHIFTS_AHEAD_DAYS);
            } else {
                for ahead in &shifts {
                    let s = &ahead.shift;
                    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&chrono::Local).format("%a %d %b %H:%M").to_string();
                    let what = s.schedule.as_deref().unwrap_or("On call");
                    let cover = if ahead.cover { " covering" } else { "" };
                    let from = ahead.before.as_ref().map(|b| format!(", from {b}")).unwrap_or_default();
                    let to = ahead.after.as_ref().map(|a| format!(", to {a}")).unwrap_or_default();
                    println!("{} – {}  {what}{cover} ({}){from}{to}", local(s.start), local(s.end), s.policies.join(", "));
                }
            }
            Ok(0)
        }
        Command::Logout => {
            let out = match restore().await? {
                None => SignedOut::not_signed_in(),
                Some(session) => accounts::sign_out(&session, || store.change(|f| f.account = None)).await?,
            };
            println!("{}", out.message);
            Ok(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Cli, Command};
    use clap::Parser;

    #[test]
    fn a_link_is_an_argument_and_subcommands_stay_subcommands() {
        let cli = Cli::try_parse_from(["ilert-desktop", "ilert-desktop://alert/5"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.link.as_deref(), Some("ilert-desktop://alert/5"));

        let cli = Cli::try_parse_from(["ilert-desktop", "status"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Status)) && cli.link.is_none());

        // The desktop entry's `Exec=ilert-desktop -- %u`: after `--`, a word is a link, never a subcommand or a flag.
        let cli = Cli::try_parse_from(["ilert-desktop", "--", "https://acme.ilert.com/alert/view.jsf?id=7"]).unwrap();
        assert_eq!(cli.link.as_deref(), Some("https://acme.ilert.com/alert/view.jsf?id=7"));
        let cli = Cli::try_parse_from(["ilert-desktop", "--", "--api-url=https://evil.example"]).unwrap();
        assert!(cli.options.settings.api_url.is_none() && cli.link.as_deref() == Some("--api-url=https://evil.example"));
        let cli = Cli::try_parse_from(["ilert-desktop", "--", "status"]).unwrap();
        assert!(cli.command.is_none() && cli.link.as_deref() == Some("status"));
    }

    fn check(argv: &[&str]) -> Result<(), String> {
        let cli = Cli::try_parse_from(argv).unwrap();
        let argv: Vec<std::ffi::OsString> = argv.iter().map(Into::into).collect();
        super::check_link_launch(&argv, cli.link.as_deref().unwrap())
    }

    #[test]
    fn a_link_comes_alone_and_a_stray_word_is_refused() {
        assert_eq!(check(&["ilert-desktop", "ilert-desktop://alert/5"]), Ok(()));
        assert_eq!(check(&["ilert-desktop", "--", "ilert-desktop://alert/5"]), Ok(()));
        assert_eq!(check(&["ilert-desktop", "--", "https://acme.ilert.com/alert/view.jsf?id=7"]), Ok(()));
        // A link of ours the app cannot read yet (a newer version's) is the running app's to say.
        assert_eq!(check(&["ilert-desktop", "ILERT-DESKTOP://settings"]), Ok(()));
        let with_flag = check(&["ilert-desktop", "--hidden", "ilert-desktop://alert/5"]).unwrap_err();
        assert!(with_flag.contains("--hidden"), "{with_flag}");
        let with_host = check(&["ilert-desktop", "--api-url", "https://evil.example", "ilert-desktop://alert/5"]).unwrap_err();
        assert!(with_host.contains("--api-url https://evil.example"), "{with_host}");
        let typo = check(&["ilert-desktop", "stauts"]).unwrap_err();
        assert!(typo.contains("'stauts' is neither a command nor an alert link"), "{typo}");
        assert!(check(&["ilert-desktop", "--", "--api-url=https://evil.example"]).is_err());
        assert!(check(&["ilert-desktop", "https://evil.example/alert/view.jsf?id=7"]).is_err(), "not ilert's host");
    }
}
