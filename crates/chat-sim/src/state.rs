//! The simulator's model: per app, the chatbot accounts ever created (active or
//! deleted) in the order the API lists them, each with its three profile fields.
//!
//! Pure logic, no I/O: every operation either changes the model and says so, or
//! returns the Chat API error Tencent answers. Invariants:
//! - at most [`MAX_ROBOTS_PER_APP`] active robots per app;
//! - every stored UserID passed [`check_user_id`], every stored value is at most
//!   [`MAX_PROFILE_BYTES`] and non-empty (an empty value means "not set").

use chat_api::wire::{
    ProfileItem, UserProfile, MAX_PORTRAIT_GET_ACCOUNTS, MAX_PROFILE_BYTES, MAX_ROBOTS_PER_APP,
    MAX_USER_ID_BYTES, ROBOT_PREFIX, TAG_IMAGE, TAG_NICK, TAG_SELF_SIGNATURE,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// The three profile strings. In a [`Robot`], `None` is a tag never set (or
/// cleared); in a change ([`ProfileChange`]), `None` leaves the tag alone and
/// `Some("")` clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_signature: Option<String>,
}

/// A requested profile change: `Some("")` clears, `Some(v)` sets, `None` leaves alone.
pub type ProfileChange = Profile;

/// One chatbot account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Robot {
    pub user_id: String,
    pub active: bool,
    #[serde(flatten)]
    pub profile: Profile,
}

impl Robot {
    fn field_mut(&mut self, tag: Tag) -> &mut Option<String> {
        match tag {
            Tag::Nick => &mut self.profile.nick,
            Tag::Image => &mut self.profile.face_url,
            Tag::SelfSignature => &mut self.profile.self_signature,
        }
    }

    fn field(&self, tag: Tag) -> Option<&String> {
        match tag {
            Tag::Nick => self.profile.nick.as_ref(),
            Tag::Image => self.profile.face_url.as_ref(),
            Tag::SelfSignature => self.profile.self_signature.as_ref(),
        }
    }
}

/// The profile tags the simulator stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    Nick,
    Image,
    SelfSignature,
}

impl Tag {
    pub fn parse(tag: &str) -> Option<Tag> {
        match tag {
            TAG_NICK => Some(Tag::Nick),
            TAG_IMAGE => Some(Tag::Image),
            TAG_SELF_SIGNATURE => Some(Tag::SelfSignature),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Nick => TAG_NICK,
            Tag::Image => TAG_IMAGE,
            Tag::SelfSignature => TAG_SELF_SIGNATURE,
        }
    }

    /// The create_robot body field carrying this tag.
    fn field_name(self) -> &'static str {
        match self {
            Tag::Nick => "Nick",
            Tag::Image => "FaceUrl",
            Tag::SelfSignature => "SelfSignature",
        }
    }
}

impl Profile {
    fn entries(&self) -> [(Tag, Option<&String>); 3] {
        [
            (Tag::Nick, self.nick.as_ref()),
            (Tag::Image, self.face_url.as_ref()),
            (Tag::SelfSignature, self.self_signature.as_ref()),
        ]
    }

    /// 40601 when a value is longer than the API allows.
    pub fn check(&self) -> Result<(), ApiError> {
        for (tag, value) in self.entries() {
            if let Some(v) = value {
                check_profile_value(tag.field_name(), v)?;
            }
        }
        Ok(())
    }

    fn apply(&self, robot: &mut Robot) {
        for (tag, value) in self.entries() {
            if let Some(v) = value {
                *robot.field_mut(tag) = (!v.is_empty()).then(|| v.clone());
            }
        }
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

/// 40601 when a profile value is longer than 500 bytes.
pub fn check_profile_value(name: &str, value: &str) -> Result<(), ApiError> {
    if value.len() > MAX_PROFILE_BYTES {
        return Err(ApiError::new(
            40601,
            format!(
                "{name} is {} bytes, more than the {MAX_PROFILE_BYTES} allowed",
                value.len()
            ),
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

    /// create_robot. An active robot gets the given fields (others unchanged); a
    /// deleted one is reactivated with only the given fields (its old profile is
    /// gone); a new one is appended. Returns whether anything changed.
    pub fn create(&mut self, user_id: &str, profile: &ProfileChange) -> Result<bool, ApiError> {
        check_user_id(user_id)?;
        profile.check()?;
        if let Some(robot) = self.active_mut(user_id) {
            let before = robot.clone();
            profile.apply(robot);
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
        profile.apply(&mut robot);
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

    /// portrait_set on an active robot (70107 otherwise). Values are checked first
    /// (40601) so a failed call changes nothing. Returns whether anything changed.
    pub fn portrait_set(
        &mut self,
        account: &str,
        items: &[(Tag, String)],
    ) -> Result<bool, ApiError> {
        let Some(robot) = self.active_mut(account) else {
            return Err(ApiError::new(
                70107,
                format!("the account {account:?} does not exist"),
            ));
        };
        for (tag, value) in items {
            check_profile_value(tag.as_str(), value)?;
        }
        let before = robot.clone();
        for (tag, value) in items {
            *robot.field_mut(*tag) = (!value.is_empty()).then(|| value.clone());
        }
        Ok(*robot != before)
    }

    /// portrait_get: one result per requested account, in request order. Unknown
    /// or deleted accounts get ResultCode 70107; tags never set are left out.
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
                            let tag = Tag::parse(t)?;
                            let value = robot.field(tag)?;
                            Some(ProfileItem {
                                tag: tag.as_str().to_string(),
                                value: value.clone().into(),
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

    /// Out-of-band profile edit: None if the robot is not active.
    pub fn edit_out_of_band(
        &mut self,
        user_id: &str,
        change: &ProfileChange,
    ) -> Option<Result<(), ApiError>> {
        let robot = self.active_mut(user_id)?;
        Some(change.check().map(|()| change.apply(robot)))
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

    fn nick(n: &str) -> ProfileChange {
        ProfileChange {
            nick: Some(n.into()),
            ..Default::default()
        }
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
        let sig = ProfileChange {
            self_signature: Some("s".into()),
            ..Default::default()
        };
        assert!(app.create("@RBT#1", &sig).unwrap());
        assert!(!app.create("@RBT#1", &ProfileChange::default()).unwrap());
        assert_eq!(app.list(), ["@RBT#1"]);
        let r = &app.robots[0];
        assert_eq!(r.profile.nick.as_deref(), Some("a"));
        assert_eq!(r.profile.self_signature.as_deref(), Some("s"));
        // "" clears.
        app.create("@RBT#1", &nick("")).unwrap();
        assert_eq!(app.robots[0].profile.nick, None);
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
        let face = ProfileChange {
            face_url: Some("f".into()),
            ..Default::default()
        };
        app.create("@RBT#1", &face).unwrap();
        assert_eq!(app.list(), ["@RBT#2", "@RBT#1"]);
        let r = app.active("@RBT#1").unwrap();
        assert_eq!(
            (r.profile.nick.as_deref(), r.profile.face_url.as_deref()),
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
            .portrait_set("@RBT#1", &[(Tag::Nick, "ok".into()), (Tag::Image, long)])
            .unwrap_err();
        assert_eq!(err.code, 40601);
        assert_eq!(
            app.robots[0].profile.nick.as_ref().unwrap().len(),
            MAX_PROFILE_BYTES
        );
    }

    #[test]
    fn portraits() {
        let mut app = AppRobots::default();
        app.create("@RBT#1", &nick("n")).unwrap();
        assert_eq!(
            app.portrait_set("@RBT#2", &[(Tag::Nick, "x".into())])
                .unwrap_err()
                .code,
            70107
        );
        app.portrait_set(
            "@RBT#1",
            &[(Tag::SelfSignature, "hi".into()), (Tag::Nick, "".into())],
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
