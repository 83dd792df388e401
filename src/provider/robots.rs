//! `tencentchat_robots`: the app's active chatbots (optionally filtered by a UserID
//! prefix) with their profiles, and how many more the app can have. Reads the same
//! snapshot as `tencentchat_robot`, so it costs no extra calls in a refresh.

use super::api::Inner;
use super::profile::{self, profile_model, profile_table};
use super::snapshot::{Entry, View};
use super::words::q;
use crate::chat::wire::{MAX_ROBOTS_PER_APP, ROBOT_PREFIX};
use crate::tfproto::{Diagnostics, Field, TypedDataSource, TypedType};
use std::sync::Arc;

pub(crate) const TYPE_NAME: &str = "tencentchat_robots";

profile_table!(profile_model {
    /// One chatbot of the listing.
    pub(crate) struct ListedRobot in listed_attr as computed {
        user_id: String => computed("The chatbot's UserID."),
    }
});

tfkit::model! {
    /// The data source's configuration and state.
    pub(crate) struct RobotsModel in robots_attr {
        id: String => computed(
            "Identifies this listing: the SDKAppID, followed by `/` and the prefix when one \
             is given."
        ),
        prefix: String => optional(format!(
            "Only list chatbots whose UserID starts with this string, for example \
             `{ROBOT_PREFIX}support_`."
        ))
        .validate(check_prefix),
        user_ids: Vec<String> => computed("UserIDs of the listed chatbots, in API order."),
        robots: Vec<ListedRobot> => computed(format!(
            "The listed chatbots with their profiles, in the same order as `{}`.",
            robots_attr::user_ids
        )),
        limit: f64 => computed(format!(
            "The most chatbots an app can have ({MAX_ROBOTS_PER_APP})."
        )),
        remaining: f64 => computed(format!(
            "How many more chatbots the app can have: `{}` minus its active chatbots, \
             counting all of them whatever the `{}`.",
            robots_attr::limit,
            robots_attr::prefix
        )),
    }
}

/// The data source's full state for a view of the app.
pub(crate) fn state(sdkappid: u64, prefix: Option<&str>, view: &View) -> RobotsModel {
    let prefix = prefix.filter(|p| !p.is_empty());
    let matching: Vec<_> = view
        .robots
        .iter()
        .filter(|(id, _)| prefix.is_none_or(|p| id.starts_with(p)))
        .collect();
    let user_ids = matching.iter().map(|(id, _)| id.clone()).collect();
    let robots = matching
        .iter()
        .map(|(id, entry)| {
            let p = match entry {
                Entry::Profile(p) => p.clone(),
                Entry::Unreadable { .. } => Default::default(),
            };
            let mut listed = ListedRobot {
                user_id: Field::Known(id.clone()),
                ..ListedRobot::default()
            };
            listed.set_profile(&p, false);
            listed
        })
        .collect();
    let id = match prefix {
        Some(p) => format!("{sdkappid}/{p}"),
        None => sdkappid.to_string(),
    };
    let remaining = MAX_ROBOTS_PER_APP.saturating_sub(view.len());
    RobotsModel {
        id: Field::Known(id),
        prefix: Field::from_option(prefix.map(str::to_string)),
        user_ids: Field::Known(user_ids),
        robots: Field::Known(robots),
        limit: Field::Known(MAX_ROBOTS_PER_APP as f64),
        remaining: Field::Known(remaining as f64),
    }
}

/// A prefix that no chatbot UserID can start with matches nothing: say so.
fn check_prefix(name: &str, p: &str, d: &mut Diagnostics) {
    if !p.is_empty() && !p.starts_with(ROBOT_PREFIX) && !ROBOT_PREFIX.starts_with(p) {
        d.attr_warning(
            name,
            "Prefix matches no chatbot",
            format!(
                "Every chatbot UserID starts with \"{ROBOT_PREFIX}\", so the prefix {p:?} \
                 matches none. Did you mean \"{ROBOT_PREFIX}{p}\"?"
            ),
        );
    }
}

pub(crate) struct Robots {
    inner: Arc<Inner>,
}

impl Robots {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Robots { inner }
    }
}

impl TypedType for Robots {
    type Model = RobotsModel;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn description() -> String {
        format!(
            "The active chatbots of the app, in the order the API lists them, with their \
             profiles and the room left under the {MAX_ROBOTS_PER_APP}-chatbot limit."
        )
    }
}

#[async_trait::async_trait]
impl TypedDataSource for Robots {
    async fn read(&self, config: RobotsModel, d: &mut Diagnostics) -> Option<RobotsModel> {
        if config.prefix.is_unknown() {
            d.attr_error(
                robots_attr::prefix,
                "Prefix not known yet",
                format!(
                    "The chatbots can only be listed once `{}` is known.",
                    robots_attr::prefix
                ),
            );
            return None;
        }
        let prefix = config.prefix.as_str();
        let (api, view) = self
            .inner
            .read_view(
                "list chatbots",
                "Could not list chatbots",
                &format!("the {TYPE_NAME} data source"),
                d,
            )
            .await?;
        let wanted = |id: &str| prefix.is_none_or(|p| id.starts_with(p));
        for (id, entry) in &view.robots {
            if let (Entry::Unreadable { code, info }, true) = (entry, wanted(id)) {
                d.warning(
                    format!("Profile of chatbot {} not readable", q(id)),
                    format!(
                        "Its {} are listed as null (ResultCode {code}: {}).",
                        profile::attr_list(),
                        q(info)
                    ),
                );
            }
        }
        Some(state(api.sdkappid, prefix, &view))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::snapshot::Profile;
    use crate::tfproto::{Model, Schema, Value};
    use robots_attr::{
        id as ID, limit as LIMIT, prefix as PREFIX, remaining as REMAINING, robots as ROBOTS,
        user_ids as USER_IDS,
    };

    fn schema() -> Schema {
        Schema::new(Robots::description(), RobotsModel::attributes())
    }

    /// The state as Terraform receives it.
    fn state(sdkappid: u64, prefix: Option<&str>, view: &View) -> Value {
        super::state(sdkappid, prefix, view).to_value()
    }

    fn check_prefix(config: &Value) -> Diagnostics {
        schema().validate(config)
    }

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
