//! `tencentchat-live`: the live acceptance run's own hands on the Chat REST API
//! (scripts/test-live.sh). It makes the out-of-band changes Terraform must notice —
//! a chatbot created, edited or deleted behind its back — and the checks and clean-up
//! around them, through the same `chat::Client` and the same `TENCENTCHAT_*`
//! settings as the provider: signed requests to the real API, never a simulator
//! back door.
//!
//! It only ever writes chatbots whose UserID starts with [`test_prefix`], so a
//! mistake in the script cannot touch anyone else's chatbots. A cargo example
//! (`cargo build --example tencentchat-live`), not a shipped binary.

use std::process::ExitCode;
use tencentchat::chat::wire::{
    self, MAX_ROBOTS_PER_APP, ROBOT_PREFIX, TAG_IMAGE, TAG_NICK, TAG_SELF_SIGNATURE,
};
use tencentchat::chat::Client;

const USAGE: &str = "usage: tencentchat-live COMMAND [ARGS]

  new-prefix             print a fresh per-run UserID prefix (the test prefix and 8 random characters)
  test-prefix            print the prefix every test chatbot carries
  free                   print how many more chatbots the app can hold
  list PREFIX            print the active chatbots whose UserID starts with PREFIX
  create USER_ID NICK    create a chatbot with a nickname
  set USER_ID FIELD VAL  set one profile field (nick, face_url or self_signature)
  get USER_ID            print the chatbot's profile as JSON; exit 3 if it is not active
  delete USER_ID...      delete chatbots

The app comes from the TENCENTCHAT_* variables, read as the provider reads them.
Every USER_ID and PREFIX must start with the test prefix.";

/// Every chatbot the live run makes starts with this; the sweeper deletes exactly
/// these. Short, so a per-run prefix plus a suffix stays within the UserID limit.
fn test_prefix() -> String {
    format!("{ROBOT_PREFIX}tfacc")
}

/// Characters of the random part of a run prefix.
const RUN_ID_LEN: usize = 8;

const FIELDS: [(&str, &str); 3] = [
    ("nick", TAG_NICK),
    ("face_url", TAG_IMAGE),
    ("self_signature", TAG_SELF_SIGNATURE),
];

enum Failure {
    Usage(String),
    Api(String),
    NotFound(String),
}

fn guarded(id: &str) -> Result<&str, Failure> {
    if id.starts_with(&test_prefix()) {
        Ok(id)
    } else {
        Err(Failure::Usage(format!(
            "{id:?} does not start with {:?}; this tool touches test chatbots only",
            test_prefix()
        )))
    }
}

fn api(e: impl std::fmt::Display) -> Failure {
    Failure::Api(e.to_string())
}

fn client() -> Result<Client, Failure> {
    let cfg = tencentchat::provider::client_config_from_env(|name| std::env::var(name).ok())
        .map_err(|e| Failure::Usage(format!("the TENCENTCHAT_* settings are not usable:\n{e}")))?;
    Client::new(cfg).map_err(api)
}

async fn run(args: &[String]) -> Result<(), Failure> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["new-prefix"] => {
            let run: String = (0..RUN_ID_LEN).map(|_| fastrand::alphanumeric()).collect();
            println!("{}{}", test_prefix(), run.to_ascii_lowercase());
        }
        ["test-prefix"] => println!("{}", test_prefix()),
        ["free"] => {
            let active = client()?.get_all_robots().await.map_err(api)?.len();
            println!("{}", MAX_ROBOTS_PER_APP.saturating_sub(active));
        }
        ["list", prefix] => {
            let prefix = guarded(prefix)?;
            for id in client()?.get_all_robots().await.map_err(api)? {
                if id.starts_with(prefix) {
                    println!("{id}");
                }
            }
        }
        ["create", id, nick] => {
            let req = wire::CreateRobotRequest {
                user_id: guarded(id)?.to_string(),
                nick: Some(nick.to_string()),
                ..Default::default()
            };
            client()?.create_robot(&req).await.map_err(api)?;
        }
        ["set", id, field, value] => {
            let id = guarded(id)?;
            let Some((_, tag)) = FIELDS.iter().find(|(f, _)| f == field) else {
                return Err(Failure::Usage(format!(
                    "unknown field {field:?}; allowed: nick, face_url, self_signature"
                )));
            };
            let item = wire::ProfileItem {
                tag: tag.to_string(),
                value: serde_json::Value::String(value.to_string()),
            };
            client()?.portrait_set(id, vec![item]).await.map_err(api)?;
        }
        ["get", id] => {
            let id = guarded(id)?.to_string();
            let client = client()?;
            if !client.get_all_robots().await.map_err(api)?.contains(&id) {
                return Err(Failure::NotFound(format!("{id} is not an active chatbot")));
            }
            let tags: Vec<&str> = FIELDS.iter().map(|(_, t)| *t).collect();
            let profile = client
                .portrait_get(std::slice::from_ref(&id), &tags)
                .await
                .map_err(api)?
                .pop()
                .filter(|p| p.result_code == 0)
                .ok_or_else(|| Failure::Api(format!("the profile of {id} could not be read")))?;
            let mut out = serde_json::Map::new();
            for (field, tag) in FIELDS {
                // Absent and "" both mean "not set", as the provider reads a profile.
                let value = profile
                    .profile_item
                    .iter()
                    .find(|i| i.tag == tag)
                    .map(|i| i.value.clone())
                    .filter(|v| v != "")
                    .unwrap_or(serde_json::Value::Null);
                out.insert(field.to_string(), value);
            }
            println!("{}", serde_json::Value::Object(out));
        }
        ["delete", ids @ ..] if !ids.is_empty() => {
            let ids = ids
                .iter()
                .map(|id| guarded(id))
                .collect::<Result<Vec<_>, _>>()?;
            let client = client()?;
            for id in ids {
                client.delete_robot(id).await.map_err(api)?;
                println!("deleted {id}");
            }
        }
        _ => return Err(Failure::Usage(USAGE.to_string())),
    }
    Ok(())
}

fn main() -> ExitCode {
    // The client logs through the `log` facade: its per-attempt lines, which
    // test-live.sh counts, reach stderr in the provider's hclog shape only
    // through tfkit's forwarder, as in both binaries.
    tfkit::log::forward(tencentchat::provider::LOG_TARGETS);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tencentchat-live: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("tencentchat-live: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Api(msg)) => {
            eprintln!("tencentchat-live: {msg}");
            ExitCode::FAILURE
        }
        Err(Failure::NotFound(msg)) => {
            eprintln!("tencentchat-live: {msg}");
            ExitCode::from(3)
        }
    }
}
