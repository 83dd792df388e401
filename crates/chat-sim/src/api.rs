//! The five Chat REST endpoints, checked as Tencent checks them, in this order:
//! query parameters, app, UserSig, admin, body, call frequency; then injected
//! faults, then the operation on the model. Every answer is HTTP 200 with the
//! `ActionStatus`/`ErrorCode`/`ErrorInfo` envelope, except injected HTTP faults.

use super::faults::FaultAnswer;
use super::shapes::{self, Shape};
use super::state::{ApiError, CustomFields, ProfileChange};
use super::{logging_calls, App, Shared};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use chat_api::profile::STANDARD_TAGS;
use chat_api::usersig;
use chat_api::wire::{
    self, CreateRobotRequest, DeleteRobotRequest, GetAllRobotsResponse, PortraitGetRequest,
    PortraitGetResponse, PortraitSetRequest, Status,
};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v4/{*rest}", any(handle))
        .route("/v4", any(handle))
        .route("/v4/", any(handle))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    CreateRobot,
    GetAllRobots,
    DeleteRobot,
    PortraitSet,
    PortraitGet,
}

impl Endpoint {
    const ALL: [Endpoint; 5] = [
        Endpoint::CreateRobot,
        Endpoint::GetAllRobots,
        Endpoint::DeleteRobot,
        Endpoint::PortraitSet,
        Endpoint::PortraitGet,
    ];

    fn path(self) -> &'static str {
        match self {
            Endpoint::CreateRobot => wire::CREATE_ROBOT,
            Endpoint::GetAllRobots => wire::GET_ALL_ROBOTS,
            Endpoint::DeleteRobot => wire::DELETE_ROBOT,
            Endpoint::PortraitSet => wire::PORTRAIT_SET,
            Endpoint::PortraitGet => wire::PORTRAIT_GET,
        }
    }

    fn name(self) -> &'static str {
        wire::endpoint_name(self.path())
    }

    fn from_path(path: &str) -> Option<Endpoint> {
        let path = path.trim_start_matches('/');
        Endpoint::ALL.into_iter().find(|e| e.path() == path)
    }

    /// Profile endpoints answer with `ErrorDisplay` and use 40001 for bad bodies.
    fn is_profile(self) -> bool {
        matches!(self, Endpoint::PortraitSet | Endpoint::PortraitGet)
    }

    fn bad_body(self, why: impl std::fmt::Display) -> ApiError {
        if self.is_profile() {
            ApiError::new(40001, format!("request body could not be decoded: {why}"))
        } else {
            ApiError::new(10004, format!("invalid parameter: {why}"))
        }
    }
}

/// A call whose body has the right shape.
#[derive(Debug, PartialEq)]
enum Call {
    Create {
        user_id: String,
        profile: ProfileChange,
    },
    GetAll,
    Delete(String),
    PortraitSet {
        account: String,
        items: ProfileChange,
    },
    PortraitGet(PortraitGetRequest),
}

/// The identity part of the query string, once well-formed.
#[derive(Debug, PartialEq, Eq)]
struct Params {
    sdkappid: u64,
    identifier: String,
    usersig: String,
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The five query parameters: present and well-formed.
fn check_params(pairs: &[(String, String)]) -> Result<Params, ApiError> {
    let sdkappid = param(pairs, "sdkappid")
        .filter(|s| digits(s))
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::new(
                60002,
                "HTTP parse error: sdkappid is missing or not an unsigned integer",
            )
        })?;
    let identifier = param(pairs, "identifier")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::new(60004, "the identifier in the URL is missing"))?;
    let usersig = param(pairs, "usersig")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::new(60005, "the usersig in the URL is missing"))?;
    param(pairs, "random")
        .filter(|s| digits(s))
        .and_then(|s| s.parse::<u32>().ok())
        .ok_or_else(|| {
            ApiError::new(
                60002,
                "HTTP parse error: random is missing or not a 32-bit unsigned integer",
            )
        })?;
    if param(pairs, "contenttype") != Some("json") {
        return Err(ApiError::new(
            60002,
            "HTTP parse error: contenttype must be json",
        ));
    }
    Ok(Params {
        sdkappid,
        identifier: identifier.to_string(),
        usersig: usersig.to_string(),
    })
}

/// Decodes the body for `ep`: 60003 if it is not JSON, 10004 (robot endpoints) or
/// 40001 (profile endpoints) if it is JSON of the wrong shape.
fn parse_body(ep: Endpoint, body: &[u8]) -> Result<Call, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::new(60003, format!("JSON parse error: {e}")))?;
    if !value.is_object() {
        return Err(ep.bad_body("the body must be a JSON object"));
    }
    fn typed<T: serde::de::DeserializeOwned>(
        ep: Endpoint,
        value: serde_json::Value,
    ) -> Result<T, ApiError> {
        serde_json::from_value(value).map_err(|e| ep.bad_body(e))
    }
    Ok(match ep {
        Endpoint::CreateRobot => {
            let r: CreateRobotRequest = typed(ep, value)?;
            let given = [r.nick, r.face_url, r.self_signature];
            let fields = STANDARD_TAGS.iter().filter(|t| t.create_field.is_some());
            Call::Create {
                user_id: r.user_id,
                profile: fields
                    .zip(given)
                    .filter_map(|(t, v)| Some((t.tag.to_string(), v?.into())))
                    .collect(),
            }
        }
        Endpoint::GetAllRobots => Call::GetAll,
        Endpoint::DeleteRobot => {
            let r: DeleteRobotRequest = typed(ep, value)?;
            Call::Delete(r.robot_account)
        }
        Endpoint::PortraitSet => {
            let r: PortraitSetRequest = typed(ep, value)?;
            if r.profile_item.is_empty() {
                return Err(ep.bad_body("ProfileItem is empty"));
            }
            // Each item's tag and value are checked against the app's fields
            // when the call is performed (40009, 40601, 40605, 40610).
            let items = r
                .profile_item
                .into_iter()
                .map(|item| (item.tag, item.value))
                .collect();
            Call::PortraitSet {
                account: r.from_account,
                items,
            }
        }
        Endpoint::PortraitGet => Call::PortraitGet(typed(ep, value)?),
    })
}

/// An answer in the Chat API's envelope.
fn envelope<T: Serialize>(body: T) -> Response {
    (StatusCode::OK, Json(body)).into_response()
}

fn status_for(ep: Endpoint, result: Result<(), &ApiError>) -> Status {
    let mut status = match result {
        Ok(()) => Status::ok(),
        Err(e) => Status::fail(e.code, e.info.clone()),
    };
    if ep.is_profile() {
        status.error_display = Some(String::new());
    }
    status
}

fn fail(ep: Endpoint, err: &ApiError) -> Response {
    envelope(status_for(ep, Err(err)))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn handle(
    State(sim): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(ep) = Endpoint::from_path(uri.path()) else {
        let info = format!(
            "HTTP parse error: {} is not a service/command this server offers",
            uri.path()
        );
        return envelope(Status::fail(60002, info));
    };
    let pairs = query.map(|q| q.0);
    let app = record(&sim, ep, pairs.as_deref().ok());
    let started = Instant::now();
    let (response, code) = match serve(&sim, ep, method, pairs, body, app).await {
        Ok(r) => (r, 0),
        Err((r, code)) => (r, code),
    };
    if logging_calls() {
        log_info!(
            "sim",
            "call",
            endpoint = ep.name(),
            sdkappid = app.map(|a| a.sdkappid.to_string()).unwrap_or_default(),
            error_code = code,
            elapsed_ms = started.elapsed().as_millis(),
            user_agent = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        );
    }
    reshape(&sim, app.map(|a| a.sdkappid), ep, response).await
}

/// Applies the answer shapes switched on (see [`Shape`]) to an answer.
async fn reshape(
    sim: &Shared,
    sdkappid: Option<u64>,
    ep: Endpoint,
    response: Response,
) -> Response {
    let shapes = sim.lock().shapes.clone();
    if shapes.is_empty() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut bytes = bytes.to_vec();
    if parts.status == StatusCode::OK {
        if let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            let mut inner = sim.lock();
            let app = sdkappid.unwrap_or_default();
            shapes::reshape_json(&shapes, &mut json, ep == Endpoint::PortraitGet, |account| {
                // Every other ask of an account fails.
                let key = (app, account.to_string());
                !inner.failed_last.remove(&key) && inner.failed_last.insert(key)
            });
            bytes = serde_json::to_vec(&json).unwrap_or(bytes);
        }
    }
    let h = &mut parts.headers;
    if shapes.contains(&Shape::ConnectionClose) {
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if shapes.contains(&Shape::TextPlain) {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    } else if shapes.contains(&Shape::Charset) {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    // Even when the request did not ask for it: a gateway might do that too.
    if shapes.contains(&Shape::Gzip) {
        use std::io::Write as _;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        if enc.write_all(&bytes).is_ok() {
            if let Ok(zipped) = enc.finish() {
                bytes = zipped;
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
        }
    }
    h.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Counts the call (per app when the sdkappid names a served app). Returns the app.
fn record<'a>(
    sim: &'a Shared,
    ep: Endpoint,
    pairs: Option<&[(String, String)]>,
) -> Option<&'a App> {
    let app = pairs
        .and_then(|p| param(p, "sdkappid"))
        .and_then(|s| s.parse::<u64>().ok())
        .and_then(|id| sim.apps.get(&id));
    let mut inner = sim.lock();
    *inner
        .counters
        .total
        .entry(ep.name().to_string())
        .or_default() += 1;
    if let Some(app) = app {
        *inner
            .counters
            .apps
            .entry(app.sdkappid.to_string())
            .or_default()
            .entry(ep.name().to_string())
            .or_default() += 1;
    }
    app
}

/// Ok: the answer; Err: the answer and the ErrorCode it carries (for the log).
async fn serve(
    sim: &Shared,
    ep: Endpoint,
    method: Method,
    pairs: Result<Vec<(String, String)>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
    app: Option<&App>,
) -> Result<Response, (Response, i64)> {
    let refuse = |err: ApiError| (fail(ep, &err), err.code);
    if method != Method::POST {
        return Err(refuse(ApiError::new(
            60002,
            format!("HTTP parse error: {method} is not allowed, use POST"),
        )));
    }
    let pairs = pairs.map_err(|_| {
        refuse(ApiError::new(
            60002,
            "HTTP parse error: the query string is not valid",
        ))
    })?;
    let params = check_params(&pairs).map_err(refuse)?;
    let app = app.ok_or_else(|| {
        refuse(ApiError::new(
            60006,
            format!("SDKAppID {} is invalid", params.sdkappid),
        ))
    })?;
    usersig::verify(
        &params.usersig,
        &app.secret_key,
        app.sdkappid,
        &params.identifier,
        unix_now(),
    )
    .map_err(|e| refuse(ApiError::new(e.error_code(), e.to_string())))?;
    // Only now, verified for an app served here, is the UserSig remembered.
    sim.lock().record_usersig(&params.usersig);
    if !app.admins.contains(&params.identifier) {
        return Err(refuse(ApiError::new(
            60010,
            format!(
                "this request needs app admin permission; {:?} is not an admin",
                params.identifier
            ),
        )));
    }
    let body = body.map_err(|e| {
        refuse(ApiError::new(
            60002,
            format!("HTTP parse error: the body could not be read: {e}"),
        ))
    })?;
    let call = parse_body(ep, &body).map_err(refuse)?;
    let admitted = sim
        .lock()
        .limiter
        .admit(app.sdkappid, ep.name(), Instant::now());
    if !admitted {
        return Err(refuse(ApiError::new(
            60007,
            format!(
                "call frequency over the limit of {} calls per second",
                sim.calls_per_second
            ),
        )));
    }

    let decision = sim.lock().faults.decide(ep.name());
    if !decision.delay_before.is_zero() {
        tokio::time::sleep(decision.delay_before).await;
    }
    if let Some((answer, false)) = decision.answer {
        return Err(fault_response(ep, answer));
    }
    let outcome = perform(sim, app.sdkappid, ep, call).await;
    if !decision.delay_after.is_zero() {
        tokio::time::sleep(decision.delay_after).await;
    }
    if let Some((answer, true)) = decision.answer {
        return Err(fault_response(ep, answer));
    }
    outcome
}

fn fault_response(ep: Endpoint, answer: FaultAnswer) -> (Response, i64) {
    match answer {
        FaultAnswer::ErrorCode(code) => (fail(ep, &ApiError::new(code, "simulated fault")), code),
        FaultAnswer::HttpStatus(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            (
                (status, format!("simulated fault: HTTP {}", status.as_u16())).into_response(),
                -i64::from(status.as_u16()),
            )
        }
    }
}

static NO_CUSTOM_FIELDS: CustomFields = CustomFields::new();

/// Applies the call to the model and persists the model if it changed.
async fn perform(
    sim: &Shared,
    sdkappid: u64,
    ep: Endpoint,
    call: Call,
) -> Result<Response, (Response, i64)> {
    let (result, changed) = {
        let mut inner = sim.lock();
        let robots = inner.model.app_mut(sdkappid);
        match call {
            Call::Create { user_id, profile } => match robots.create(&user_id, &profile) {
                Ok(changed) => (Ok(envelope(status_for(ep, Ok(())))), changed),
                Err(e) => (Err(e), false),
            },
            Call::GetAll => (
                Ok(envelope(GetAllRobotsResponse {
                    status: status_for(ep, Ok(())),
                    robot_account: robots.list(),
                })),
                false,
            ),
            Call::Delete(user_id) => match robots.delete(&user_id) {
                Ok(()) => (Ok(envelope(status_for(ep, Ok(())))), true),
                Err(e) => (Err(e), false),
            },
            Call::PortraitSet { account, items } => match robots.portrait_set(
                &account,
                &items,
                sim.apps
                    .get(&sdkappid)
                    .map_or(&NO_CUSTOM_FIELDS, |a| &a.custom_fields),
            ) {
                Ok(changed) => (Ok(envelope(status_for(ep, Ok(())))), changed),
                Err(e) => (Err(e), false),
            },
            Call::PortraitGet(r) => match robots.portrait_get(&r.to_account, &r.tag_list) {
                Ok(items) => (
                    Ok(envelope(PortraitGetResponse {
                        status: status_for(ep, Ok(())),
                        fail_account: items
                            .iter()
                            .filter(|p| p.result_code != 0)
                            .map(|p| p.to_account.clone())
                            .collect(),
                        user_profile_item: items,
                    })),
                    false,
                ),
                Err(e) => (Err(e), false),
            },
        }
    };
    if changed {
        sim.persist().await;
    }
    result.map_err(|e| (fail(ep, &e), e.code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        q.split('&')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    fn code(q: &str) -> i64 {
        check_params(&pairs(q)).unwrap_err().code
    }

    #[test]
    fn params() {
        let ok = "sdkappid=1400000000&identifier=administrator&usersig=abc&random=4294967295&contenttype=json";
        assert_eq!(
            check_params(&pairs(ok)).unwrap(),
            Params {
                sdkappid: 1400000000,
                identifier: "administrator".into(),
                usersig: "abc".into()
            }
        );
        assert_eq!(
            code("identifier=a&usersig=b&random=1&contenttype=json"),
            60002
        );
        assert_eq!(
            code("sdkappid=-1&identifier=a&usersig=b&random=1&contenttype=json"),
            60002
        );
        assert_eq!(
            code("sdkappid=14x&identifier=a&usersig=b&random=1&contenttype=json"),
            60002
        );
        assert_eq!(
            code("sdkappid=1&usersig=b&random=1&contenttype=json"),
            60004
        );
        assert_eq!(
            code("sdkappid=1&identifier=&usersig=b&random=1&contenttype=json"),
            60004
        );
        assert_eq!(
            code("sdkappid=1&identifier=a&random=1&contenttype=json"),
            60005
        );
        assert_eq!(
            code("sdkappid=1&identifier=a&usersig=b&contenttype=json"),
            60002
        );
        assert_eq!(
            code("sdkappid=1&identifier=a&usersig=b&random=4294967296&contenttype=json"),
            60002
        );
        assert_eq!(
            code("sdkappid=1&identifier=a&usersig=b&random=+1&contenttype=json"),
            60002
        );
        assert_eq!(code("sdkappid=1&identifier=a&usersig=b&random=1"), 60002);
        assert_eq!(
            code("sdkappid=1&identifier=a&usersig=b&random=1&contenttype=xml"),
            60002
        );
    }

    #[test]
    fn endpoints_by_path() {
        assert_eq!(
            Endpoint::from_path("/v4/openim_robot_http_svc/create_robot"),
            Some(Endpoint::CreateRobot)
        );
        assert_eq!(
            Endpoint::from_path("/v4/profile/portrait_get"),
            Some(Endpoint::PortraitGet)
        );
        assert_eq!(Endpoint::from_path("/v4/profile/portrait_delete"), None);
        assert_eq!(Endpoint::PortraitSet.name(), "portrait_set");
    }

    #[test]
    fn bodies() {
        let code = |ep, body: &str| parse_body(ep, body.as_bytes()).unwrap_err().code;
        assert_eq!(code(Endpoint::CreateRobot, "{"), 60003);
        assert_eq!(code(Endpoint::PortraitGet, ""), 60003);
        assert_eq!(code(Endpoint::CreateRobot, "[\"@RBT#1\"]"), 10004);
        assert_eq!(code(Endpoint::CreateRobot, "{}"), 10004);
        assert_eq!(code(Endpoint::CreateRobot, r#"{"UserID":1}"#), 10004);
        assert_eq!(
            code(Endpoint::CreateRobot, r#"{"UserID":"@RBT#1","Nick":2}"#),
            10004
        );
        assert_eq!(code(Endpoint::DeleteRobot, r#"{"UserID":"@RBT#1"}"#), 10004);
        assert_eq!(code(Endpoint::GetAllRobots, "[]"), 10004);
        assert_eq!(
            code(Endpoint::PortraitSet, r#"{"From_Account":"@RBT#1"}"#),
            40001
        );
        assert_eq!(
            code(
                Endpoint::PortraitSet,
                r#"{"From_Account":"@RBT#1","ProfileItem":[]}"#
            ),
            40001
        );
        assert_eq!(
            code(
                Endpoint::PortraitSet,
                r#"{"From_Account":"a","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick"}]}"#
            ),
            40001
        );
        assert_eq!(
            code(Endpoint::PortraitGet, r#"{"To_Account":"a","TagList":[]}"#),
            40001
        );

        assert_eq!(
            parse_body(
                Endpoint::CreateRobot,
                br#"{"UserID":"@RBT#1","Nick":"n","Extra":true}"#
            )
            .unwrap(),
            Call::Create {
                user_id: "@RBT#1".into(),
                profile: vec![(wire::TAG_NICK.into(), "n".into())]
            }
        );
        assert_eq!(
            parse_body(Endpoint::GetAllRobots, b"{}").unwrap(),
            Call::GetAll
        );
        assert_eq!(
            parse_body(
                Endpoint::PortraitSet,
                br#"{"From_Account":"a","ProfileItem":[{"Tag":"Tag_Profile_IM_Image","Value":""}]}"#
            )
            .unwrap(),
            Call::PortraitSet {
                account: "a".into(),
                items: vec![(wire::TAG_IMAGE.into(), "".into())]
            }
        );
    }
}
