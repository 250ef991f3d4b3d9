//! The command line: `login`, `status`, `token`, `logout`; with no
//! subcommand the window opens. It shares the settings file and the keyring
//! entry with the app, so a sign-in from either is seen by the other.

use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use ilert_oauth::endpoint::http_client;
use ilert_oauth::session::blocking;
use ilert_oauth::token_store::{KeyringStore, TokenStore};
use ilert_oauth::{settings, Error, Session, Settings, SignIn};

/// See who is on call and how your ilert alert sources stand.
#[derive(Parser, Debug)]
#[command(name = "ilert-desktop", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub options: Options,
}

/// Settings for every subcommand and the app; each also an environment variable.
#[derive(Args, Debug, Clone, Default)]
pub struct Options {
    /// Client id of your ilert app.
    #[arg(long, env = "ILERT_CLIENT_ID", global = true)]
    pub client_id: Option<String>,
    /// Your ilert tenant (authorize on https://TENANT.ilert.com).
    #[arg(long, env = "ILERT_TENANT", global = true)]
    pub tenant: Option<String>,
    /// Base URL for authorize (default https://app.ilert.com or the tenant's host).
    #[arg(long, env = "ILERT_AUTH_URL", global = true)]
    pub auth_url: Option<String>,
    /// Base URL for the API and token endpoints (default https://api.ilert.com).
    #[arg(long, env = "ILERT_API_URL", global = true)]
    pub api_url: Option<String>,
    /// Redirect URI registered in your ilert app (default http://localhost:4598/callback).
    #[arg(long, env = "ILERT_REDIRECT_URI", global = true)]
    pub redirect_uri: Option<String>,
    /// Space-separated scopes (default: profile schedule policy source offline_access).
    #[arg(long = "scope", env = "ILERT_SCOPES", global = true)]
    pub scopes: Option<String>,
    /// A separate settings file and keyring entry.
    #[arg(long, env = "ILERT_PROFILE", global = true)]
    pub profile: Option<String>,
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
}

impl Options {
    /// The settings these options select: the profile's file, with the flags
    /// and environment laid over it.
    pub fn load(&self) -> Result<(std::path::PathBuf, Settings), Error> {
        let path = self.settings_path()?;
        let file = settings::load(&path)?;
        Ok((path, file.overlay(self.overrides())))
    }

    /// The app's controller for these options.
    pub fn controller(&self) -> Result<crate::controller::Controller, Error> {
        crate::controller::Controller::new(self.settings_path()?, self.profile.clone(), self.overrides())
    }

    /// The profile's settings file.
    fn settings_path(&self) -> Result<std::path::PathBuf, Error> {
        settings::settings_path(&settings::default_config_dir()?, self.profile.as_deref())
    }

    pub fn overrides(&self) -> Settings {
        Settings {
            client_id: self.client_id.clone(),
            tenant: self.tenant.clone(),
            auth_url: self.auth_url.clone(),
            api_url: self.api_url.clone(),
            redirect_uri: self.redirect_uri.clone(),
            scopes: self.scopes.clone(),
            account: None,
        }
    }
}

/// Runs a subcommand; returns the exit code.
pub fn run(command: Command, options: Options) -> i32 {
    crate::logging::init_cli();
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

async fn dispatch(command: Command, options: Options) -> Result<i32, Error> {
    let (path, settings) = options.load()?;
    // Refuse bad endpoints (plain http to a remote host) before anything else.
    settings.endpoints()?;
    let store = Arc::new(KeyringStore::new(options.profile.as_deref()));
    match command {
        Command::Login { no_browser } => {
            // Prove the keyring can keep a token before the browser opens.
            let probe = store.clone();
            blocking(move || probe.probe())
                .await
                .map_err(|e| Error::Keyring(format!("{e}. The command line cannot keep you signed in without it")))?;
            // The session this sign-in replaces, revoked once the new one is stored.
            let previous = restore(&settings, store.clone()).await.ok().flatten();
            let sign_in = SignIn::start(&settings, http_client()).await?;
            let url = sign_in.authorize_url().to_string();
            if no_browser {
                eprintln!("{url}");
            } else if let Err(e) = tauri_plugin_opener::open_url(&url, None::<&str>) {
                eprintln!("Could not open a browser ({e}). Open this URL to sign in:\n{url}");
            } else {
                eprintln!("Waiting for you to approve in the browser…");
            }
            let session = sign_in.finish(store).await?;
            if !session.is_persistent() {
                // The keyring refused the token after all: do not leave a grant behind.
                let _ = session.sign_out().await;
                return Err(Error::Keyring(
                    "the keyring refused to store your sign-in, so the command line cannot keep it; ilert was told to forget it".into(),
                ));
            }
            let account = session.account().clone();
            if let Err(e) = settings::update(&path, |f| f.account = Some(account.clone())) {
                // Not remembered, so never restorable: leave no grant behind at ilert.
                let _ = session.sign_out().await;
                return Err(e);
            }
            if let Some(previous) = previous {
                if let Err(e) = previous.replaced_by(&session).await {
                    eprintln!("Note: ilert could not be told to forget the previous sign-in ({e}).");
                }
            }
            eprintln!("Signed in as {} in tenant {}.", account.username, account.tenant);
            Ok(0)
        }
        Command::Status => match restore(&settings, store).await? {
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
        Command::Token => match restore(&settings, store).await? {
            None => Err(Error::NotSignedIn),
            Some(session) => {
                println!("{}", session.access_token().await?.expose());
                Ok(0)
            }
        },
        Command::Logout => {
            let Some(session) = restore(&settings, store).await? else {
                println!("Not signed in.");
                return Ok(0);
            };
            let out = session.sign_out().await;
            settings::update(&path, |f| f.account = None)?;
            out.store?;
            match out.revoke {
                Ok(()) => println!("Signed out; the refresh token was revoked at ilert."),
                Err(e) => println!("Signed out on this machine, but ilert could not be told ({e}); the token was deleted here."),
            }
            Ok(0)
        }
    }
}

async fn restore(settings: &Settings, store: Arc<dyn TokenStore>) -> Result<Option<Session>, Error> {
    Session::restore_configured(settings, http_client(), store).await
}
