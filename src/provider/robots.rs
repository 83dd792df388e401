//! `tencentchat_robots`: the app's active chatbots (optionally filtered by a UserID
//! prefix) with their profiles, and how many more the app can have. Reads the same
//! snapshot as `tencentchat_robot`, so it costs no extra calls in a refresh.

use super::snapshot::{Entry, View};
use super::words::q;
use super::Inner;
use crate::chat::wire::{MAX_ROBOTS_PER_APP, ROBOT_PREFIX};
use crate::tfproto::{Attribute, DataSource, Diagnostics, Schema, Type, Value};
use std::sync::Arc;

pub(crate) const TYPE_NAME: &str = "tencentchat_robots";

const ID: &str = "id";
const PREFIX: &str = "prefix";
const USER_IDS: &str = "user_ids";
const ROBOTS: &str = "robots";
const LIMIT: &str = "limit";
const REMAINING: &str = "remaining";

fn robot_object_type() -> Type {
    Type::Object(
        ["user_id", "nick", "face_url", "self_signature"]
            .into_iter()
            .map(|n| (n.to_string(), Type::String))
            .collect(),
    )
}

pub(crate) fn schema() -> Schema {
    Schema::new(
        "The active chatbots of the app, in the order the API lists them, with their \
         profiles and the room left under the 20-chatbot limit.",
        vec![
            Attribute::computed(
                ID,
                Type::String,
                "`<sdkappid>`, or `<sdkappid>/<prefix>` when `prefix` is set.",
            ),
            Attribute::optional(
                PREFIX,
                Type::String,
                "Only list chatbots whose UserID starts with this (for example `@RBT#shop_`).",
            ),
            Attribute::computed(
                USER_IDS,
                Type::List(Box::new(Type::String)),
                "UserIDs of the matching chatbots, in API order.",
            ),
            Attribute::computed(
                ROBOTS,
                Type::List(Box::new(robot_object_type())),
                "The matching chatbots with their profiles: `user_id`, `nick`, `face_url`, \
                 `self_signature` (null when unset).",
            ),
            Attribute::computed(
                LIMIT,
                Type::Number,
                "The most chatbots an app may have (20).",
            ),
            Attribute::computed(
                REMAINING,
                Type::Number,
                "How many more chatbots the app can have: 20 minus its active chatbots, \
                 counting all of them regardless of `prefix`.",
            ),
        ],
    )
}

/// The data source's full state for a view of the app.
pub(crate) fn state(sdkappid: u64, prefix: Option<&str>, view: &View) -> Value {
    let prefix = prefix.filter(|p| !p.is_empty());
    let matching: Vec<_> = view
        .robots
        .iter()
        .filter(|(id, _)| prefix.is_none_or(|p| id.starts_with(p)))
        .collect();
    let user_ids = matching.iter().map(|(id, _)| Value::string(id)).collect();
    let robots = matching
        .iter()
        .map(|(id, entry)| {
            let p = match entry {
                Entry::Profile(p) => p.clone(),
                Entry::Unreadable { .. } => Default::default(),
            };
            Value::object([
                ("user_id", Value::string(id)),
                ("nick", Value::opt_string(p.nick)),
                ("face_url", Value::opt_string(p.face_url)),
                ("self_signature", Value::opt_string(p.self_signature)),
            ])
        })
        .collect();
    let id = match prefix {
        Some(p) => format!("{sdkappid}/{p}"),
        None => sdkappid.to_string(),
    };
    let remaining = MAX_ROBOTS_PER_APP.saturating_sub(view.len());
    Value::object([
        (ID, Value::string(id)),
        (PREFIX, Value::opt_string(prefix)),
        (USER_IDS, Value::List(user_ids)),
        (ROBOTS, Value::List(robots)),
        (LIMIT, Value::Number(MAX_ROBOTS_PER_APP as f64)),
        (REMAINING, Value::Number(remaining as f64)),
    ])
}

/// A prefix that no chatbot UserID can start with matches nothing: say so.
fn check_prefix(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    if let Some(p) = config.get(PREFIX).as_str() {
        if !p.is_empty() && !p.starts_with(ROBOT_PREFIX) && !ROBOT_PREFIX.starts_with(p) {
            d.attr_warning(
                PREFIX,
                "Prefix matches no chatbot",
                format!(
                    "Every chatbot UserID starts with \"{ROBOT_PREFIX}\", so the prefix {p:?} \
                     matches none. Did you mean \"{ROBOT_PREFIX}{p}\"?"
                ),
            );
        }
    }
    d
}

pub(crate) struct Robots {
    inner: Arc<Inner>,
}

impl Robots {
    pub fn new(inner: Arc<Inner>) -> Self {
        Robots { inner }
    }
}

#[async_trait::async_trait]
impl DataSource for Robots {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        check_prefix(config)
    }

    async fn read(&self, config: &Value) -> (Value, Diagnostics) {
        let mut d = check_prefix(config);
        let prefix = config.get(PREFIX);
        if prefix.is_unknown() {
            d.attr_error(
                PREFIX,
                "Prefix not known yet",
                "The chatbots can only be listed once `prefix` is known.",
            );
            return (Value::Null, d);
        }
        let api = match self.inner.api("list chatbots") {
            Ok(api) => api,
            Err(e) => {
                d.extend(e);
                return (Value::Null, d);
            }
        };
        match api.snapshot.get().await {
            Ok(view) => {
                let wanted = |id: &str| prefix.as_str().is_none_or(|p| id.starts_with(p));
                for (id, entry) in &view.robots {
                    if let (Entry::Unreadable { code, info }, true) = (entry, wanted(id)) {
                        d.warning(
                            format!("Profile of chatbot {} not readable", q(id)),
                            format!(
                                "Its nick, face_url and self_signature are listed as null \
                                 (ResultCode {code}: {}).",
                                q(info)
                            ),
                        );
                    }
                }
                (state(api.sdkappid, prefix.as_str(), &view), d)
            }
            Err(e) => {
                let (summary, detail) = api.explain(
                    "Could not list chatbots",
                    &format!("the {TYPE_NAME} data source"),
                    &e,
                );
                d.error(summary, detail);
                (Value::Null, d)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::snapshot::Profile;
    use crate::tfproto::Schema;

    fn view(ids: &[&str]) -> View {
        View {
            robots: ids
                .iter()
                .map(|id| {
                    (
                        id.to_string(),
                        Entry::Profile(Profile {
                            nick: Some(format!("nick of {id}")),
                            ..Default::default()
                        }),
                    )
                })
                .collect(),
        }
    }

    fn strings(v: &Value) -> Vec<&str> {
        v.as_list()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect()
    }

    fn conforms(schema: &Schema, v: &Value) -> bool {
        let Value::Map(m) = v else { return false };
        m.len() == schema.attributes.len()
            && schema.attributes.iter().all(|a| m.contains_key(&a.name))
    }

    #[test]
    fn filters_by_prefix_in_api_order_and_counts_all() {
        let v = view(&["@RBT#shop_2", "@RBT#help", "@RBT#shop_1"]);
        let s = state(1400000000, Some("@RBT#shop_"), &v);
        assert!(conforms(&schema(), &s));
        assert_eq!(s.get(ID).as_str(), Some("1400000000/@RBT#shop_"));
        assert_eq!(strings(s.get(USER_IDS)), ["@RBT#shop_2", "@RBT#shop_1"]);
        let robots = s.get(ROBOTS).as_list().unwrap();
        assert_eq!(robots.len(), 2);
        assert_eq!(robots[0].get("nick").as_str(), Some("nick of @RBT#shop_2"));
        assert!(robots[0].get("face_url").is_null());
        assert_eq!(s.get(LIMIT).as_f64(), Some(20.0));
        assert_eq!(s.get(REMAINING).as_f64(), Some(17.0));

        let all = state(5, None, &v);
        assert_eq!(all.get(ID).as_str(), Some("5"));
        assert_eq!(strings(all.get(USER_IDS)).len(), 3);
        // An empty prefix is no filter.
        assert_eq!(state(5, Some(""), &v).get(ID).as_str(), Some("5"));
    }

    #[test]
    fn remaining_never_goes_negative() {
        let ids: Vec<String> = (0..22).map(|i| format!("@RBT#{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(
            state(1, None, &view(&refs)).get(REMAINING).as_f64(),
            Some(0.0)
        );
    }

    #[test]
    fn prefix_that_cannot_match_warns() {
        let cfg = |p: &str| Value::object([(PREFIX, Value::string(p))]);
        assert_eq!(check_prefix(&cfg("shop")).0.len(), 1);
        assert!(check_prefix(&cfg("@RB")).is_empty());
        assert!(check_prefix(&cfg("@RBT#s")).is_empty());
        assert!(check_prefix(&Value::object([(PREFIX, Value::Unknown)])).is_empty());
    }
}
