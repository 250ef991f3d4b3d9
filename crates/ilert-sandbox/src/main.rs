//! `ilert-sandbox`: runs the local ilert on loopback until interrupted.

use std::time::Duration;

use clap::Parser;
use ilert_sandbox::{Config, Introspection, RateLimit, Sandbox};

/// A local ilert that speaks its OAuth2 and REST wire formats, with seeded data.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 4599)]
    port: u16,
    /// Register a client: ID=REDIRECT_URI (repeatable; the demo client is always there).
    #[arg(long = "client", value_name = "ID=REDIRECT_URI")]
    clients: Vec<String>,
    /// Seed for the generated tenant.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Access-token lifetime in seconds (ilert: 3600).
    #[arg(long, default_value_t = 3600)]
    access_token_lifetime: u64,
    /// Authorization-code lifetime in seconds (ilert: 120).
    #[arg(long, default_value_t = 120)]
    code_lifetime: u64,
    /// Return a new refresh token on every refresh.
    #[arg(long)]
    rotate_refresh_tokens: bool,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// How token_info and revoke answer: as ilert documents them, RFC 7662/7009 strictly, or no token_info (404).
    #[arg(long, value_enum, default_value_t = Introspection::Ilert)]
    introspection: Introspection,
    /// Every optional REST field as an explicit null.
    #[arg(long)]
    nulls: bool,
    /// Expired access tokens get 403 KEY_ERROR instead of 401.
    #[arg(long)]
    expired_as_key_error: bool,
    /// No ETag on /api/alerts (and never 304).
    #[arg(long)]
    no_etags: bool,
    /// ilert's rate limit: this many requests a minute per client address
    /// (ilert: 700), in fixed windows on the wall-clock minute; 429 without
    /// Retry-After. Off when not given.
    #[arg(long, value_name = "PER_MINUTE")]
    rate_limit: Option<u32>,
    /// With --rate-limit: also this many a minute per access token.
    #[arg(long, value_name = "PER_MINUTE", requires = "rate_limit")]
    rate_limit_per_token: Option<u32>,
    /// The large tenant (290 sources, 90 schedules, 80 policies, 150 open alerts).
    #[arg(long)]
    large: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .init();
    let args = Args::parse();
    let mut config = Config {
        seed: args.seed,
        access_token_lifetime: Duration::from_secs(args.access_token_lifetime),
        code_lifetime: Duration::from_secs(args.code_lifetime),
        rotate_refresh_tokens: args.rotate_refresh_tokens,
        latency: Duration::from_millis(args.latency_ms),
        introspection: args.introspection,
        nulls: args.nulls,
        expired_as_key_error: args.expired_as_key_error,
        etags: !args.no_etags,
        large: args.large,
        rate_limit: args.rate_limit.map(|per_ip| RateLimit { per_ip, per_token: args.rate_limit_per_token, ..RateLimit::default() }),
        ..Config::default()
    };
    for c in &args.clients {
        let (id, uri) = c.split_once('=').ok_or("--client takes ID=REDIRECT_URI")?;
        config = config.with_client(id, uri);
    }
    let sandbox = Sandbox::bind(config, args.port).await?;
    println!("ilert sandbox listening on {}", sandbox.url());
    tokio::signal::ctrl_c().await?;
    sandbox.stop().await;
    Ok(())
}
