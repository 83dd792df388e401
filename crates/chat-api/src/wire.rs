//! The JSON bodies of the five Chat REST endpoints this project uses, shared by the
//! client (which sends requests and reads responses) and the simulator (which does
//! the reverse), so the two cannot drift apart.

use serde::{Deserialize, Serialize};

/// Service paths, relative to the base URL (`https://console.tim.qq.com`).
pub const CREATE_ROBOT: &str = "v4/openim_robot_http_svc/create_robot";
pub const GET_ALL_ROBOTS: &str = "v4/openim_robot_http_svc/get_all_robots";
pub const DELETE_ROBOT: &str = "v4/openim_robot_http_svc/delete_robot";
pub const PORTRAIT_SET: &str = "v4/profile/portrait_set";
pub const PORTRAIT_GET: &str = "v4/profile/portrait_get";

/// Every endpoint, in a fixed order (used for counters and rate limiters).
pub const ENDPOINTS: [&str; 5] = [
    CREATE_ROBOT,
    GET_ALL_ROBOTS,
    DELETE_ROBOT,
    PORTRAIT_SET,
    PORTRAIT_GET,
];

/// Short name of an endpoint path: `create_robot`, `portrait_get`, ….
pub fn endpoint_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A chatbot UserID must start with this.
pub const ROBOT_PREFIX: &str = "@RBT#";
/// Longest chatbot UserID, in bytes.
pub const MAX_USER_ID_BYTES: usize = 32;
/// Longest profile string (Nick, FaceUrl, SelfSignature, a custom field), in bytes.
pub const MAX_PROFILE_BYTES: usize = 500;
/// Active chatbots an app may have.
pub const MAX_ROBOTS_PER_APP: usize = 20;
/// Accounts per portrait_get call.
pub const MAX_PORTRAIT_GET_ACCOUNTS: usize = 100;
/// Calls per second per endpoint per app that Tencent documents.
pub const DOCUMENTED_CALLS_PER_SECOND: u32 = 200;

/// The per-account ResultCode the client gives an account that a portrait_get
/// answer left out (not a Tencent code: Tencent's are positive).
pub const RESULT_NOT_IN_ANSWER: i64 = -1;
/// Per-account portrait_get codes meaning the account does not exist: 70107
/// (never imported) and 40003 (account does not exist). No other code means gone.
pub const RESULT_GONE: [i64; 2] = [70107, 40003];

/// The standard profile tags (their rules are in [`super::profile`]).
pub const TAG_NICK: &str = "Tag_Profile_IM_Nick";
pub const TAG_IMAGE: &str = "Tag_Profile_IM_Image";
pub const TAG_SELF_SIGNATURE: &str = "Tag_Profile_IM_SelfSignature";
pub const TAG_GENDER: &str = "Tag_Profile_IM_Gender";
pub const TAG_BIRTHDAY: &str = "Tag_Profile_IM_BirthDay";
pub const TAG_LOCATION: &str = "Tag_Profile_IM_Location";
pub const TAG_ALLOW_TYPE: &str = "Tag_Profile_IM_AllowType";
pub const TAG_LANGUAGE: &str = "Tag_Profile_IM_Language";
pub const TAG_MSG_SETTINGS: &str = "Tag_Profile_IM_MsgSettings";
pub const TAG_ADMIN_FORBID_TYPE: &str = "Tag_Profile_IM_AdminForbidType";
pub const TAG_LEVEL: &str = "Tag_Profile_IM_Level";
pub const TAG_ROLE: &str = "Tag_Profile_IM_Role";
/// Every standard tag, in the order of [`super::profile::STANDARD_TAGS`].
pub const PROFILE_TAGS: [&str; 12] = [
    TAG_NICK,
    TAG_IMAGE,
    TAG_SELF_SIGNATURE,
    TAG_GENDER,
    TAG_BIRTHDAY,
    TAG_LOCATION,
    TAG_ALLOW_TYPE,
    TAG_LANGUAGE,
    TAG_MSG_SETTINGS,
    TAG_ADMIN_FORBID_TYPE,
    TAG_LEVEL,
    TAG_ROLE,
];

/// Reads `null` as the type's default: Tencent's docs do not say whether an empty
/// array, object or string is sent as `[]`, left out, or `null`, so the client
/// accepts all three (a missing field is handled by `#[serde(default)]`).
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The envelope every response carries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    #[serde(rename = "ActionStatus", default, deserialize_with = "null_as_default")]
    pub action_status: String,
    #[serde(rename = "ErrorCode", default, deserialize_with = "null_as_default")]
    pub error_code: i64,
    #[serde(rename = "ErrorInfo", default, deserialize_with = "null_as_default")]
    pub error_info: String,
    #[serde(
        rename = "ErrorDisplay",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_display: Option<String>,
}

impl Status {
    pub fn ok() -> Self {
        Status {
            action_status: "OK".into(),
            ..Status::default()
        }
    }
    pub fn fail(code: i64, info: impl Into<String>) -> Self {
        Status {
            action_status: "FAIL".into(),
            error_code: code,
            error_info: info.into(),
            error_display: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateRobotRequest {
    #[serde(rename = "UserID")]
    pub user_id: String,
    #[serde(rename = "Nick", default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    #[serde(rename = "FaceUrl", default, skip_serializing_if = "Option::is_none")]
    pub face_url: Option<String>,
    #[serde(
        rename = "SelfSignature",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub self_signature: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetAllRobotsRequest {}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetAllRobotsResponse {
    #[serde(flatten)]
    pub status: Status,
    #[serde(
        rename = "Robot_Account",
        default,
        deserialize_with = "null_as_default"
    )]
    pub robot_account: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeleteRobotRequest {
    #[serde(rename = "Robot_Account")]
    pub robot_account: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileItem {
    #[serde(rename = "Tag")]
    pub tag: String,
    #[serde(rename = "Value")]
    pub value: serde_json::Value,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PortraitSetRequest {
    #[serde(rename = "From_Account")]
    pub from_account: String,
    #[serde(rename = "ProfileItem")]
    pub profile_item: Vec<ProfileItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PortraitGetRequest {
    #[serde(rename = "To_Account")]
    pub to_account: Vec<String>,
    #[serde(rename = "TagList")]
    pub tag_list: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserProfile {
    #[serde(rename = "To_Account")]
    pub to_account: String,
    #[serde(rename = "ProfileItem", default, deserialize_with = "null_as_default")]
    pub profile_item: Vec<ProfileItem>,
    #[serde(rename = "ResultCode", default, deserialize_with = "null_as_default")]
    pub result_code: i64,
    #[serde(rename = "ResultInfo", default, deserialize_with = "null_as_default")]
    pub result_info: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PortraitGetResponse {
    #[serde(flatten)]
    pub status: Status,
    #[serde(
        rename = "UserProfileItem",
        default,
        deserialize_with = "null_as_default"
    )]
    pub user_profile_item: Vec<UserProfile>,
    /// Accounts that could not be read; the docs show it only when one failed.
    #[serde(
        rename = "Fail_Account",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fail_account: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_the_documentation() {
        let r: GetAllRobotsResponse = serde_json::from_str(
            r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"Robot_Account":["@RBT#001"]}"#,
        )
        .unwrap();
        assert_eq!(r.robot_account, ["@RBT#001"]);
        let c = CreateRobotRequest {
            user_id: "@RBT#001".into(),
            nick: Some("Jarvis".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"UserID":"@RBT#001","Nick":"Jarvis"}"#
        );
        assert_eq!(endpoint_name(PORTRAIT_GET), "portrait_get");
    }

    #[test]
    fn empty_values_may_be_missing_or_null_and_unknown_fields_are_ignored() {
        for body in [
            r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":null,"Robot_Account":null}"#,
            r#"{"ActionStatus":"OK","ErrorCode":0,"Robot_Account":[],"Extra":{"a":1}}"#,
            r#"{"ActionStatus":"OK","ErrorCode":null,"ErrorInfo":""}"#,
        ] {
            let r: GetAllRobotsResponse = serde_json::from_str(body).unwrap();
            assert!(r.robot_account.is_empty(), "{body}");
            assert_eq!(r.status.error_code, 0, "{body}");
        }
        let r: PortraitGetResponse = serde_json::from_str(
            r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":"",
                "UserProfileItem":[
                  {"To_Account":"a","ProfileItem":null,"ResultCode":0,"ResultInfo":null},
                  {"To_Account":"b","ResultCode":40006,"ResultInfo":"Err_Profile_PortraitGet_Read_Custom_Data_Fail","New":true},
                  {"To_Account":"c","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"n"}]}],
                "Fail_Account":["b"],"CurrentStandardSequence":1}"#,
        )
        .unwrap();
        assert_eq!(r.user_profile_item.len(), 3);
        assert!(r.user_profile_item[0].profile_item.is_empty());
        assert_eq!(r.user_profile_item[1].result_code, 40006);
        assert_eq!(r.user_profile_item[2].profile_item.len(), 1);
        assert_eq!(r.fail_account, ["b"]);
        for body in [
            r#"{"ActionStatus":"OK","ErrorCode":0,"UserProfileItem":null,"Fail_Account":null}"#,
            r#"{"ActionStatus":"OK","ErrorCode":0}"#,
        ] {
            let r: PortraitGetResponse = serde_json::from_str(body).unwrap();
            assert!(r.user_profile_item.is_empty() && r.fail_account.is_empty());
        }
    }
}
