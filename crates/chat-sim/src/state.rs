//! The simulator's model: per app, the chatbot accounts ever created (active or
//! deleted) in the order the API lists them, each with its profile: every tag set
//! on it, standard or custom, with its value.
//!
//! Pure logic, no I/O: every operation either changes the model and says so, or
//! returns the Chat API error Tencent answers. The rules of each tag come from
//! `chat::profile`, the table the client's callers use too. Invariants:
//! - at most [`MAX_ROBOTS_PER_APP`] active robots per app;
//! - every stored UserID passed [`check_user_id`]; every stored value passed its
//!   tag's check, and a custom field's tag is one the app defines;
//! - a string tag set to `""` is not stored (it is cleared); an enumeration or
//!   integer tag keeps the value set, its default included.

use chat_api::profile::{self, Rejected};
use chat_api::wire::{
    ProfileItem, UserProfile, MAX_PORTRAIT_GET_ACCOUNTS, MAX_ROBOTS_PER_APP, MAX_USER_ID_BYTES,
    ROBOT_PREFIX,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A Chat API failure: ErrorCode and ErrorInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub code: i64,
    pub info: String,
}

impl ApiError {
    pub fn new(code: i64, info: impl Into<String>) -> Self {
        ApiError {
            code,
            info: info.into(),
        }
    }
}

impl From<Rejected> for ApiError {
    fn from(r: Rejected) -> Self {
        ApiError::new(r.code, r.info)
    }
}

/// A profile: each tag set, with its value (a tag never set, or cleared, is
/// absent).
pub type Profile = BTreeMap<String, Value>;

/// A requested profile change, in request order: each tag with the value to
/// set (`""` clears a string tag).
pub type ProfileChange = Vec<(String, Value)>;

/// The custom field names an app defines (what the console would hold).
pub type CustomFields = BTreeSet<String>;

/// One chatbot account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Robot {
    pub user_id: String,
    pub active: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profile: Profile,
}

/// Checks one portrait_set item as Tencent does: a standard tag by its rules, a
/// custom field only if the app defines it (40009 otherwise, as for any tag
/// that does not exist), then its value.
pub fn check_item(tag: &str, value: &Value, custom: &CustomFields) -> Result<(), ApiError> {
    if let Some(t) = profile::standard(tag) {
        return Ok(t.check(value)?);
    }
    match profile::custom_name(tag) {
        Some(name) if custom.contains(name) => Ok(profile::check_custom(tag, value)?),
        Some(name) => Err(ApiError::new(
            profile::ERR_TAG_NOT_FOUND,
            format!("the app defines no custom profile field {name:?} ({tag})"),
        )),
        None => Err(ApiError::new(
            profile::ERR_TAG_NOT_FOUND,
            format!("profile tag {tag:?} does not exist"),
        )),
    }
}

/// Every item's check, first failure first, so a failed call changes nothing.
fn check_change(change: &ProfileChange, custom: &CustomFields) -> Result<(), ApiError> {
    change
        .iter()
        .try_for_each(|(tag, v)| check_item(tag, v, custom))
}

impl Robot {
    /// Applies a checked change: `""` removes a string tag, any other value is
    /// stored as given.
    fn apply(&mut self, change: &ProfileChange) {
        for (tag, value) in change {
            if value.as_str() == Some("") {
                self.profile.remove(tag);
            } else {
                self.profile.insert(tag.clone(), value.clone());
            }
        }
    }

    /// The value of `tag`, if set.
    pub fn get(&self, tag: &str) -> Option<&Value> {
        self.profile.get(tag)
    }
}

/// 10004 unless `user_id` is a chatbot UserID: `@RBT#` prefix, at most 32 bytes,
/// printable ASCII only.
pub fn check_user_id(user_id: &str) -> Result<(), ApiError> {
    if !user_id.starts_with(ROBOT_PREFIX) {
        return Err(ApiError::new(
            10004,
            format!("invalid parameter: a chatbot UserID must start with {ROBOT_PREFIX}"),
        ));
    }
    if user_id.len() > MAX_USER_ID_BYTES {
        return Err(ApiError::new(
            10004,
            format!("invalid parameter: a chatbot UserID is at most {MAX_USER_ID_BYTES} bytes"),
        ));
    }
    if !user_id.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(ApiError::new(
            10004,
            "invalid parameter: a UserID holds printable ASCII characters only",
        ));
    }
    Ok(())
}

/// One app's chatbots, in listing order (creation order; a reactivated robot moves
/// to the end, as it was created again).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRobots {
    #[serde(default)]
    pub robots: Vec<Robot>,
}

impl AppRobots {
    fn position(&self, user_id: &str) -> Option<usize> {
        self.robots.iter().position(|r| r.user_id == user_id)
    }

    fn active(&self, user_id: &str) -> Option<&Robot> {
        self.robots
            .iter()
            .find(|r| r.active && r.user_id == user_id)
    }

    fn active_mut(&mut self, user_id: &str) -> Option<&mut Robot> {
        self.robots
            .iter_mut()
            .find(|r| r.active && r.user_id == user_id)
    }

    pub fn active_count(&self) -> usize {
        self.robots.iter().filter(|r| r.active).count()
    }

    /// create_robot (its body's Nick, FaceUrl, SelfSignature as their tags). An
    /// active robot gets the given fields (others unchanged); a deleted one is
    /// reactivated with only the given fields (its old profile is gone); a new
    /// one is appended. Returns whether anything changed.
    pub fn create(&mut self, user_id: &str, profile: &ProfileChange) -> Result<bool, ApiError> {
        check_user_id(user_id)?;
        check_change(profile, &CustomFields::new())?;
        if let Some(robot) = self.active_mut(user_id) {
            let before = robot.clone();
            robot.apply(profile);
            return Ok(*robot != before);
        }
        if self.active_count() >= MAX_ROBOTS_PER_APP {
            return Err(ApiError::new(
                10008,
                format!(
                    "invalid request: the app already has {MAX_ROBOTS_PER_APP} chatbots, the most allowed"
                ),
            ));
        }
        if let Some(i) = self.position(user_id) {
            self.robots.remove(i);
        }
        let mut robot = Robot {
            user_id: user_id.to_string(),
            active: true,
            ..Robot::default()
        };
        robot.apply(profile);
        self.robots.push(robot);
        Ok(true)
    }

    /// get_all_robots: active UserIDs in listing order.
    pub fn list(&self) -> Vec<String> {
        self.robots
            .iter()
            .filter(|r| r.active)
            .map(|r| r.user_id.clone())
            .collect()
    }

    pub fn active_robots(&self) -> impl Iterator<Item = &Robot> {
        self.robots.iter().filter(|r| r.active)
    }

    /// delete_robot: marks the robot inactive (10004 if it is not an active chatbot).
    pub fn delete(&mut self, user_id: &str) -> Result<(), ApiError> {
        match self.active_mut(user_id) {
            Some(robot) => {
                robot.active = false;
                Ok(())
            }
            None => Err(ApiError::new(
                10004,
                format!("invalid parameter: {user_id:?} is not an active chatbot"),
            )),
        }
    }

    /// portrait_set on an active robot (70107 otherwise), with the custom
    /// fields the app defines. Every item is checked first, so a failed call
    /// changes nothing. Returns whether anything changed.
    pub fn portrait_set(
        &mut self,
        account: &str,
        items: &ProfileChange,
        custom: &CustomFields,
    ) -> Result<bool, ApiError> {
        let Some(robot) = self.active_mut(account) else {
            return Err(ApiError::new(
                70107,
                format!("the account {account:?} does not exist"),
            ));
        };
        check_change(items, custom)?;
        let before = robot.clone();
        robot.apply(items);
        Ok(*robot != before)
    }

    /// portrait_get: one result per requested account, in request order. Unknown
    /// or deleted accounts get ResultCode 70107; tags never set, and tags that do
    /// not exist (an undefined custom field), are left out.
    pub fn portrait_get(
        &self,
        accounts: &[String],
        tags: &[String],
    ) -> Result<Vec<UserProfile>, ApiError> {
        if accounts.is_empty() {
            return Err(ApiError::new(40001, "To_Account is empty"));
        }
        if accounts.len() > MAX_PORTRAIT_GET_ACCOUNTS {
            return Err(ApiError::new(
                40001,
                format!(
                    "To_Account holds {} accounts, more than the {MAX_PORTRAIT_GET_ACCOUNTS} allowed per call",
                    accounts.len()
                ),
            ));
        }
        Ok(accounts
            .iter()
            .map(|account| match self.active(account) {
                Some(robot) => UserProfile {
                    to_account: account.clone(),
                    profile_item: tags
                        .iter()
                        .filter_map(|t| {
                            Some(ProfileItem {
                                tag: t.clone(),
                                value: robot.get(t)?.clone(),
                            })
                        })
                        .collect(),
                    result_code: 0,
                    result_info: String::new(),
                },
                None => UserProfile {
                    to_account: account.clone(),
                    profile_item: Vec::new(),
                    result_code: 70107,
                    result_info: format!("the account {account:?} does not exist"),
                },
            })
            .collect())
    }

    /// Out-of-band delete (the /__sim/ API): false if not active.
    pub fn remove_out_of_band(&mut self, user_id: &str) -> bool {
        self.delete(user_id).is_ok()
    }

    /// Out-of-band profile edit, checked as portrait_set is: None if the robot
    /// is not active.
    pub fn edit_out_of_band(
        &mut self,
        user_id: &str,
        change: &ProfileChange,
        custom: &CustomFields,
    ) -> Option<Result<(), ApiError>> {
        let robot = self.active_mut(user_id)?;
        Some(check_change(change, custom).map(|()| robot.apply(change)))
    }
}

/// Every app's robots, keyed by SDKAppID. This is what the state file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    #[serde(default)]
    pub apps: BTreeMap<u64, AppRobots>,
}

impl Model {
    pub fn app_mut(&mut self, sdkappid: u64) -> &mut AppRobots {
        self.apps.entry(sdkappid).or_default()
    }

    pub fn app(&self, sdkappid: u64) -> Option<&AppRobots> {
        self.apps.get(&sdkappid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_api::wire::{
        MAX_PROFILE_BYTES, PROFILE_TAGS, TAG_ALLOW_TYPE, TAG_GENDER, TAG_IMAGE, TAG_LEVEL,
        TAG_LOCATION, TAG_NICK, TAG_SELF_SIGNATURE,
    };
    use serde_json::json;

    fn set(tag: &str, v: Value) -> ProfileChange {
        vec![(tag.to_string(), v)]
    }

    fn nick(n: &str) -> ProfileChange {
        set(TAG_NICK, json!(n))
    }

    fn custom(names: &[&str]) -> CustomFields {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn text(r: &Robot, tag: &str) -> Option<String> {
        r.get(tag).and_then(|v| v.as_str()).map(str::to_string)
    }

    #[test]
    fn user_id_rules() {
        assert!(check_user_id("@RBT#001").is_ok());
        assert!(check_user_id(&format!("@RBT#{}", "a".repeat(27))).is_ok());
        for bad in [
            "RBT#001".to_string(),
            "@rbt#001".to_string(),
            format!("@RBT#{}", "a".repeat(28)),
            "@RBT#é".to_string(),
            "@RBT#\n".to_string(),
            String::new(),
        ] {
            assert_eq!(check_user_id(&bad).unwrap_err().code, 10004, "{bad:?}");
        }
    }

    #[test]
    fn create_is_idempotent_and_applies_given_fields() {
        let mut app = AppRobots::default();
        assert!(app.create("@RBT#1", &nick("a")).unwrap());
        let sig = set(TAG_SELF_SIGNATURE, json!("s"));
        assert!(app.create("@RBT#1", &sig).unwrap());
        assert!(!app.create("@RBT#1", &ProfileChange::default()).unwrap());
        assert_eq!(app.list(), ["@RBT#1"]);
        let r = &app.robots[0];
        assert_eq!(text(r, TAG_NICK).as_deref(), Some("a"));
        assert_eq!(text(r, TAG_SELF_SIGNATURE).as_deref(), Some("s"));
        // "" clears.
        app.create("@RBT#1", &nick("")).unwrap();
        assert_eq!(app.robots[0].get(TAG_NICK), None);
    }

    #[test]
    fn limit_counts_active_robots_only() {
        let mut app = AppRobots::default();
        for i in 0..MAX_ROBOTS_PER_APP {
            app.create(&format!("@RBT#{i}"), &ProfileChange::default())
                .unwrap();
        }
        let err = app.create("@RBT#x", &ProfileChange::default()).unwrap_err();
        assert_eq!(err.code, 10008);
        assert!(err.info.contains("20"), "{}", err.info);
        // An existing active one is still fine at the limit.
        app.create("@RBT#3", &nick("n")).unwrap();
        app.delete("@RBT#3").unwrap();
        app.create("@RBT#x", &ProfileChange::default()).unwrap();
        assert_eq!(app.active_count(), MAX_ROBOTS_PER_APP);
    }

    #[test]
    fn delete_and_reactivate() {
        let mut app = AppRobots::default();
        app.create("@RBT#1", &nick("old")).unwrap();
        app.create("@RBT#2", &ProfileChange::default()).unwrap();
        app.delete("@RBT#1").unwrap();
        assert_eq!(app.delete("@RBT#1").unwrap_err().code, 10004);
        assert_eq!(app.delete("@RBT#9").unwrap_err().code, 10004);
        assert_eq!(app.list(), ["@RBT#2"]);
        app.create("@RBT#1", &set(TAG_IMAGE, json!("f"))).unwrap();
        assert_eq!(app.list(), ["@RBT#2", "@RBT#1"]);
        let r = app.active("@RBT#1").unwrap();
        assert_eq!(
            (text(r, TAG_NICK), text(r, TAG_IMAGE).as_deref()),
            (None, Some("f"))
        );
    }

    #[test]
    fn profile_lengths() {
        let mut app = AppRobots::default();
        let long = "x".repeat(MAX_PROFILE_BYTES + 1);
        assert_eq!(app.create("@RBT#1", &nick(&long)).unwrap_err().code, 40601);
        assert!(app.list().is_empty());
        app.create("@RBT#1", &nick(&"x".repeat(MAX_PROFILE_BYTES)))
            .unwrap();
        let err = app
            .portrait_set(
                "@RBT#1",
                &vec![
                    (TAG_NICK.into(), json!("ok")),
                    (TAG_IMAGE.into(), json!(long)),
                ],
                &custom(&[]),
            )
            .unwrap_err();
        assert_eq!(err.code, 40601);
        assert_eq!(
            text(&app.robots[0], TAG_NICK).unwrap().len(),
            MAX_PROFILE_BYTES
        );
    }

    #[test]
    fn every_standard_tag_and_defined_custom_fields_only() {
        let mut app = AppRobots::default();
        app.create("@RBT#1", &ProfileChange::default()).unwrap();
        let fields = custom(&["model"]);
        let code = |app: &mut AppRobots, tag: &str, v: Value| {
            app.portrait_set("@RBT#1", &set(tag, v), &fields)
                .unwrap_err()
                .code
        };
        assert_eq!(code(&mut app, TAG_GENDER, json!("female")), 40605);
        assert_eq!(code(&mut app, TAG_LEVEL, json!(-1)), 40605);
        assert_eq!(code(&mut app, TAG_LEVEL, json!("1")), 40610);
        assert_eq!(code(&mut app, TAG_LOCATION, json!("x".repeat(17))), 40601);
        assert_eq!(code(&mut app, "Tag_Profile_Custom_team", json!("a")), 40009);
        assert_eq!(code(&mut app, "Tag_Profile_IM_Mood", json!("a")), 40009);
        assert_eq!(code(&mut app, "Tag_Profile_Custom_model", json!(1)), 40610);
        assert!(
            app.robots[0].profile.is_empty(),
            "a failed call changes nothing"
        );
        let all = vec![
            (TAG_GENDER.into(), json!("Gender_Type_Male")),
            (TAG_ALLOW_TYPE.into(), json!("AllowType_Type_NeedConfirm")),
            (TAG_LEVEL.into(), json!(0)),
            ("Tag_Profile_Custom_model".into(), json!("gpt")),
        ];
        assert!(app.portrait_set("@RBT#1", &all, &fields).unwrap());
        assert!(!app.portrait_set("@RBT#1", &all, &fields).unwrap());
        let mut tags: Vec<String> = PROFILE_TAGS.iter().map(|t| t.to_string()).collect();
        tags.push("Tag_Profile_Custom_model".into());
        tags.push("Tag_Profile_Custom_undefined".into());
        let got = app.portrait_get(&["@RBT#1".into()], &tags).unwrap();
        let items: Vec<_> = got[0]
            .profile_item
            .iter()
            .map(|i| (i.tag.as_str(), i.value.clone()))
            .collect();
        assert_eq!(
            items,
            [
                (TAG_GENDER, json!("Gender_Type_Male")),
                (TAG_ALLOW_TYPE, json!("AllowType_Type_NeedConfirm")),
                (TAG_LEVEL, json!(0)),
                ("Tag_Profile_Custom_model", json!("gpt")),
            ],
            "defaults set are kept; an undefined custom tag is left out"
        );
        app.portrait_set(
            "@RBT#1",
            &set("Tag_Profile_Custom_model", json!("")),
            &fields,
        )
        .unwrap();
        assert_eq!(app.robots[0].get("Tag_Profile_Custom_model"), None);
    }

    #[test]
    fn portraits() {
        let mut app = AppRobots::default();
        app.create("@RBT#1", &nick("n")).unwrap();
        let none = custom(&[]);
        assert_eq!(
            app.portrait_set("@RBT#2", &nick("x"), &none)
                .unwrap_err()
                .code,
            70107
        );
        app.portrait_set(
            "@RBT#1",
            &vec![
                (TAG_SELF_SIGNATURE.into(), json!("hi")),
                (TAG_NICK.into(), json!("")),
            ],
            &none,
        )
        .unwrap();
        let tags: Vec<String> = [TAG_NICK, TAG_IMAGE, TAG_SELF_SIGNATURE]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let got = app
            .portrait_get(&["@RBT#1".into(), "@RBT#2".into()], &tags)
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].result_code, 0);
        assert_eq!(
            got[0].profile_item,
            [ProfileItem {
                tag: TAG_SELF_SIGNATURE.into(),
                value: "hi".into()
            }]
        );
        assert_eq!(got[1].result_code, 70107);
        let many: Vec<String> = (0..=MAX_PORTRAIT_GET_ACCOUNTS)
            .map(|i| format!("@RBT#{i}"))
            .collect();
        assert!(app.portrait_get(&many, &tags).is_err());
        assert!(app
            .portrait_get(&many[..MAX_PORTRAIT_GET_ACCOUNTS], &tags)
            .is_ok());
    }

    #[test]
    fn model_round_trips_through_json() {
        let mut m = Model::default();
        m.app_mut(1400000000).create("@RBT#1", &nick("n")).unwrap();
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Model>(&text).unwrap(), m);
    }
}
