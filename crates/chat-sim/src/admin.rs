//! The `/__sim/` inspection and fault API (JSON, never shows a key) and
//! [`Admin`], its typed client.
//!
//! Who may use it: peers on loopback (the tests and scripts on this machine),
//! and others only with the `--admin-token` as `Authorization: Bearer TOKEN`.
//! The API resets state, injects faults and hands out the UserSigs received,
//! so it must not answer whoever can reach the port.

use super::faults::Fault;
use super::shapes::Shape;
use super::state::ProfileChange;
use super::Shared;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chat_api::profile;
use chat_api::wire;
use chat_api::wire::{endpoint_name, ENDPOINTS};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// An app as `/__sim/apps` shows it (never its key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInfo {
    pub sdkappid: u64,
    pub admins: Vec<String>,
    pub active_robots: usize,
}

/// An active chatbot with its profile: each tag set (standard or custom, by
/// Tencent's tag) with its value; a tag never set is absent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimRobot {
    pub user_id: String,
    #[serde(default)]
    pub profile: BTreeMap<String, serde_json::Value>,
}

impl SimRobot {
    /// The value of `tag`, if set.
    pub fn tag(&self, tag: &str) -> Option<&serde_json::Value> {
        self.profile.get(tag)
    }

    fn text(&self, tag: &str) -> Option<&str> {
        self.tag(tag).and_then(|v| v.as_str())
    }

    pub fn nick(&self) -> Option<&str> {
        self.text(wire::TAG_NICK)
    }

    pub fn face_url(&self) -> Option<&str> {
        self.text(wire::TAG_IMAGE)
    }

    pub fn self_signature(&self) -> Option<&str> {
        self.text(wire::TAG_SELF_SIGNATURE)
    }

    /// Custom field `name`'s value, if set.
    pub fn custom(&self, name: &str) -> Option<&str> {
        self.text(&profile::custom_tag(name))
    }
}

/// Calls that reached each endpoint (successful or not), keyed by short endpoint
/// name; `apps` is keyed by SDKAppID in decimal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub total: BTreeMap<String, u64>,
    pub apps: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Counters {
    /// Total calls of one endpoint (`create_robot`, …).
    pub fn total(&self, endpoint: &str) -> u64 {
        self.total.get(endpoint).copied().unwrap_or(0)
    }

    /// Calls of one endpoint for one app.
    pub fn app(&self, sdkappid: u64, endpoint: &str) -> u64 {
        self.apps
            .get(&sdkappid.to_string())
            .and_then(|m| m.get(endpoint))
            .copied()
            .unwrap_or(0)
    }
}

/// An out-of-band profile edit: each key (a tag, a standard tag's short name such
/// as `nick` or `allow_type`, or `custom:<name>`) with the value to set; `""`
/// clears a string tag. Checked as portrait_set checks its items.
pub type ProfilePatch = BTreeMap<String, serde_json::Value>;

/// The tag a [`ProfilePatch`] key stands for.
fn patch_tag(key: &str) -> String {
    if let Some(name) = key.strip_prefix("custom:") {
        return profile::custom_tag(name);
    }
    profile::by_name(key).map_or(key.to_string(), |t| t.tag.to_string())
}

/// The peer of a connection, for the loopback check.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub std::net::SocketAddr);

impl
    axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>>
    for Peer
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Peer {
        Peer(*stream.remote_addr())
    }
}

impl
    axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, super::tls::TlsListener>>
    for Peer
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, super::tls::TlsListener>) -> Peer {
        Peer(*stream.remote_addr())
    }
}

/// Whether `ip` is this machine's loopback (IPv4-mapped IPv6 included).
pub fn is_loopback(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
        v4 => v4.is_loopback(),
    }
}

/// Lets loopback peers through, and others presenting the admin token.
async fn guard(
    State(sim): State<Arc<Shared>>,
    axum::extract::ConnectInfo(Peer(peer)): axum::extract::ConnectInfo<Peer>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if is_loopback(peer.ip()) {
        return next.run(req).await;
    }
    let presented = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match (&sim.admin_token, presented) {
        (Some(token), Some(p)) if token.matches(p) => next.run(req).await,
        (Some(_), _) => error(
            StatusCode::FORBIDDEN,
            format!(
                "the /__sim/ API answers {} only with the admin token: send the \
                 --admin-token value as `Authorization: Bearer TOKEN`",
                peer.ip()
            ),
        ),
        (None, _) => error(
            StatusCode::FORBIDDEN,
            format!(
                "the /__sim/ API answers loopback peers only, not {}; start tencentchat-sim \
                 with --admin-token TOKEN to let other machines in with \
                 `Authorization: Bearer TOKEN`",
                peer.ip()
            ),
        ),
    }
}

pub(super) fn routes(sim: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/__sim/apps", get(apps))
        .route("/__sim/apps/{sdkappid}/robots", get(robots))
        .route(
            "/__sim/apps/{sdkappid}/robots/{user_id}",
            delete(delete_robot).patch(edit_robot),
        )
        .route("/__sim/counters", get(counters))
        .route("/__sim/usersigs", get(usersigs))
        .route("/__sim/reset", post(reset))
        .route("/__sim/faults", post(add_fault).delete(clear_faults))
        .route("/__sim/shapes", get(shapes).put(set_shapes))
        .route("/__sim/", get(index))
        .route("/__sim/{*rest}", axum::routing::any(not_found))
        .route_layer(axum::middleware::from_fn_with_state(sim, guard))
        .fallback(not_found)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such route")
}

async fn index() -> Response {
    Json(json!({
        "routes": [
            "GET /__sim/apps",
            "GET /__sim/apps/{sdkappid}/robots",
            "DELETE /__sim/apps/{sdkappid}/robots/{user_id}",
            "PATCH /__sim/apps/{sdkappid}/robots/{user_id}",
            "GET /__sim/counters",
            "GET /__sim/usersigs",
            "POST /__sim/reset",
            "POST /__sim/faults",
            "DELETE /__sim/faults",
            "GET /__sim/shapes",
            "PUT /__sim/shapes",
        ]
    }))
    .into_response()
}

async fn apps(State(sim): State<Arc<Shared>>) -> Json<Vec<AppInfo>> {
    let inner = sim.lock();
    Json(
        sim.apps
            .values()
            .map(|a| AppInfo {
                sdkappid: a.sdkappid,
                admins: a.admins.clone(),
                active_robots: inner.model.app(a.sdkappid).map_or(0, |r| r.active_count()),
            })
            .collect(),
    )
}

/// The 404 answer when the simulator serves no such app.
fn unknown_app(sim: &Shared, sdkappid: u64) -> Option<Response> {
    (!sim.apps.contains_key(&sdkappid)).then(|| {
        error(
            StatusCode::NOT_FOUND,
            format!("no app with SDKAppID {sdkappid}"),
        )
    })
}

async fn robots(State(sim): State<Arc<Shared>>, Path(sdkappid): Path<u64>) -> Response {
    if let Some(r) = unknown_app(&sim, sdkappid) {
        return r;
    }
    let inner = sim.lock();
    let robots: Vec<SimRobot> = inner
        .model
        .app(sdkappid)
        .map(|app| {
            app.active_robots()
                .map(|r| SimRobot {
                    user_id: r.user_id.clone(),
                    profile: r.profile.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    Json(json!({ "robots": robots })).into_response()
}

async fn delete_robot(
    State(sim): State<Arc<Shared>>,
    Path((sdkappid, user_id)): Path<(u64, String)>,
) -> Response {
    if let Some(r) = unknown_app(&sim, sdkappid) {
        return r;
    }
    let removed = sim
        .lock()
        .model
        .app_mut(sdkappid)
        .remove_out_of_band(&user_id);
    if !removed {
        return error(
            StatusCode::NOT_FOUND,
            format!("{user_id:?} is not an active chatbot"),
        );
    }
    sim.persist().await;
    StatusCode::NO_CONTENT.into_response()
}

async fn edit_robot(
    State(sim): State<Arc<Shared>>,
    Path((sdkappid, user_id)): Path<(u64, String)>,
    body: Bytes,
) -> Response {
    if let Some(r) = unknown_app(&sim, sdkappid) {
        return r;
    }
    let patch: ProfilePatch = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("bad profile patch: {e}")),
    };
    let change: ProfileChange = patch
        .iter()
        .map(|(k, v)| (patch_tag(k), v.clone()))
        .collect();
    let custom = sim.apps[&sdkappid].custom_fields.clone();
    let edited = sim
        .lock()
        .model
        .app_mut(sdkappid)
        .edit_out_of_band(&user_id, &change, &custom);
    match edited {
        None => error(
            StatusCode::NOT_FOUND,
            format!("{user_id:?} is not an active chatbot"),
        ),
        Some(Err(e)) => error(StatusCode::BAD_REQUEST, e.info),
        Some(Ok(())) => {
            sim.persist().await;
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

async fn counters(State(sim): State<Arc<Shared>>) -> Json<Counters> {
    Json(sim.lock().counters.clone())
}

async fn usersigs(State(sim): State<Arc<Shared>>) -> Json<Vec<String>> {
    Json(sim.lock().usersigs.clone())
}

async fn reset(State(sim): State<Arc<Shared>>) -> StatusCode {
    sim.reset().await;
    StatusCode::NO_CONTENT
}

async fn add_fault(State(sim): State<Arc<Shared>>, body: Bytes) -> Response {
    let fault: Fault = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("bad fault: {e}")),
    };
    let names: Vec<&str> = ENDPOINTS.iter().map(|p| endpoint_name(p)).collect();
    if let Err(e) = fault.validate(&names) {
        return error(StatusCode::BAD_REQUEST, e);
    }
    let id = sim.lock().faults.add(fault);
    Json(json!({ "id": id })).into_response()
}

async fn shapes(State(sim): State<Arc<Shared>>) -> Json<Vec<Shape>> {
    Json(sim.lock().shapes.clone())
}

/// Replaces the answer shapes switched on: a JSON list of names (`[]`: none).
async fn set_shapes(State(sim): State<Arc<Shared>>, body: Bytes) -> Response {
    let names: Vec<String> = match serde_json::from_slice(&body) {
        Ok(n) => n,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("expected a JSON list of shape names: {e}"),
            )
        }
    };
    let shapes: Result<Vec<Shape>, String> = names.iter().map(|n| Shape::from_name(n)).collect();
    match shapes {
        Ok(shapes) => {
            let mut inner = sim.lock();
            inner.shapes = shapes;
            inner.failed_last.clear();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

async fn clear_faults(State(sim): State<Arc<Shared>>) -> StatusCode {
    sim.lock().faults.clear();
    StatusCode::NO_CONTENT
}

/// Typed client of the `/__sim/` API. Every method returns the server's error
/// message (or the transport error) as `Err`.
#[derive(Clone, Debug)]
pub struct Admin {
    base: String,
    http: reqwest::Client,
    /// Sent as `Authorization: Bearer …` when set (a simulator off loopback).
    token: Option<String>,
}

/// Percent-encodes a path segment (everything but unreserved characters).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Admin {
    /// `url` is the simulator's base URL, e.g. `http://127.0.0.1:8080`.
    pub fn new(url: &str) -> Admin {
        Admin {
            base: url.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
            token: None,
        }
    }

    /// Presents `token` (the simulator's `--admin-token`) with every request,
    /// for a simulator reached off loopback.
    pub fn with_token(mut self, token: &str) -> Admin {
        self.token = Some(token.to_string());
        self
    }

    /// For a simulator serving HTTPS (`--tls-self-signed`): trusts the CA in `ca_pem`.
    pub fn with_ca(url: &str, ca_pem: &[u8]) -> Result<Admin, String> {
        let ca = reqwest::Certificate::from_pem(ca_pem).map_err(|e| e.to_string())?;
        let http = reqwest::Client::builder()
            .add_root_certificate(ca)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Admin {
            base: url.trim_end_matches('/').to_string(),
            http,
            token: None,
        })
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, String> {
        let req = match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.map_err(|e| e.to_string())?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or(text);
        Err(format!("simulator answered {status}: {message}"))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, String> {
        let resp = self
            .send(self.http.get(format!("{}{path}", self.base)))
            .await?;
        resp.json().await.map_err(|e| e.to_string())
    }

    fn robot_url(&self, sdkappid: u64, user_id: &str) -> String {
        format!(
            "{}/__sim/apps/{sdkappid}/robots/{}",
            self.base,
            encode_segment(user_id)
        )
    }

    pub async fn apps(&self) -> Result<Vec<AppInfo>, String> {
        self.get_json("/__sim/apps").await
    }

    /// Active chatbots of an app, in get_all_robots order.
    pub async fn robots(&self, sdkappid: u64) -> Result<Vec<SimRobot>, String> {
        #[derive(Deserialize)]
        struct List {
            robots: Vec<SimRobot>,
        }
        let list: List = self
            .get_json(&format!("/__sim/apps/{sdkappid}/robots"))
            .await?;
        Ok(list.robots)
    }

    pub async fn counters(&self) -> Result<Counters, String> {
        self.get_json("/__sim/counters").await
    }

    /// Every distinct UserSig that verified for an app the simulator serves
    /// (at most `MAX_USERSIGS_KEPT`, each at most `MAX_USERSIG_KEPT_LEN` bytes).
    pub async fn usersigs(&self) -> Result<Vec<String>, String> {
        self.get_json("/__sim/usersigs").await
    }

    pub async fn reset(&self) -> Result<(), String> {
        self.send(self.http.post(format!("{}/__sim/reset", self.base)))
            .await
            .map(drop)
    }

    /// Installs a fault; returns its id.
    pub async fn add_fault(&self, fault: &Fault) -> Result<u64, String> {
        #[derive(Deserialize)]
        struct Id {
            id: u64,
        }
        let resp = self
            .send(
                self.http
                    .post(format!("{}/__sim/faults", self.base))
                    .json(fault),
            )
            .await?;
        let id: Id = resp.json().await.map_err(|e| e.to_string())?;
        Ok(id.id)
    }

    pub async fn clear_faults(&self) -> Result<(), String> {
        self.send(self.http.delete(format!("{}/__sim/faults", self.base)))
            .await
            .map(drop)
    }

    /// Switches on exactly these answer shapes (none: plain answers).
    pub async fn set_shapes(&self, shapes: &[Shape]) -> Result<(), String> {
        let names: Vec<String> = shapes.iter().map(|s| s.name()).collect();
        self.send(
            self.http
                .put(format!("{}/__sim/shapes", self.base))
                .json(&names),
        )
        .await
        .map(drop)
    }

    /// Deletes a chatbot behind the provider's back (marks it inactive).
    pub async fn delete_robot(&self, sdkappid: u64, user_id: &str) -> Result<(), String> {
        self.send(self.http.delete(self.robot_url(sdkappid, user_id)))
            .await
            .map(drop)
    }

    /// Edits a chatbot's profile behind the provider's back.
    pub async fn edit_profile(
        &self,
        sdkappid: u64,
        user_id: &str,
        patch: &ProfilePatch,
    ) -> Result<(), String> {
        self.send(
            self.http
                .patch(self.robot_url(sdkappid, user_id))
                .json(patch),
        )
        .await
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("@RBT#0 1/x"), "%40RBT%230%201%2Fx");
        assert_eq!(encode_segment("a-b_c.d~"), "a-b_c.d~");
    }

    #[test]
    fn robot_json_holds_the_tags_set() {
        let r = SimRobot {
            user_id: "@RBT#1".into(),
            profile: [(wire::TAG_NICK.to_string(), json!("n"))].into(),
        };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"user_id":"@RBT#1","profile":{"Tag_Profile_IM_Nick":"n"}})
        );
        assert_eq!((r.nick(), r.face_url()), (Some("n"), None));
        assert_eq!(patch_tag("nick"), wire::TAG_NICK);
        assert_eq!(patch_tag("allow_type"), wire::TAG_ALLOW_TYPE);
        assert_eq!(patch_tag("custom:model"), "Tag_Profile_Custom_model");
        assert_eq!(patch_tag("Tag_Profile_IM_Role"), wire::TAG_ROLE);
    }
}
