//! `tencentchat_robot`: one chatbot account, its model (schema) and its CRUD side
//! by side, on `tfproto::typed` (which owns validation, the replace rule, the
//! destroy plan and the apply dispatch).
//!
//! The UserID is the identity (changing it replaces the chatbot); the profile
//! strings update in place through portrait_set. Reads go through the shared
//! snapshot. A create whose outcome is unknown is checked before giving up, so a
//! chatbot that was made is never left out of state.

use super::api::{Api, Conn, Inner};
use super::plans::{self, Refused};
use super::profile::{profile_model, profile_table, Profile};
use super::snapshot::Entry;
use super::validate::{check_user_id, user_id_problems};
use super::words::{import_advice, q, unreadable_detail};
use crate::chat::wire::{
    CreateRobotRequest, ProfileItem, MAX_ROBOTS_PER_APP, MAX_USER_ID_BYTES, ROBOT_PREFIX,
};
use crate::chat::{ChatError, ErrorKind};
use crate::tfproto::{Diagnostics, Field, Outcome, PlanChange, TypedResource, TypedType};
use std::sync::Arc;

pub(crate) const TYPE_NAME: &str = "tencentchat_robot";

profile_table!(profile_model {
    /// A chatbot as Terraform holds it: its configuration, plan and state.
    pub(crate) struct RobotModel in robot_attr as optional {
        id: String => computed(format!(
            "The chatbot's UserID (same as `{}`).",
            robot_attr::user_id
        ))
        .use_state_for_unknown(),
        user_id: String => required(format!(
            "The chatbot's UserID: starts with `{ROBOT_PREFIX}`, has at least one character \
             after it, at most {MAX_USER_ID_BYTES} bytes of printable ASCII. Changing it \
             replaces the chatbot."
        ))
        .requires_replace()
        .validate(check_user_id),
    }
});

use robot_attr::user_id as USER_ID;

/// Refuses custom field names the provider's `custom_fields` does not list:
/// reads ask only for those, so another one could never be read back.
fn check_declared<'a>(
    names: impl Iterator<Item = &'a String>,
    declared: &std::collections::BTreeSet<String>,
    d: &mut Diagnostics,
) {
    for name in names.filter(|n| !declared.contains(*n)) {
        let list = if declared.is_empty() {
            "names none".to_string()
        } else {
            let names: Vec<String> = declared.iter().map(|n| q(n)).collect();
            format!("lists {}", names.join(", "))
        };
        d.attr_error(
            robot_attr::custom_fields,
            format!(
                "Custom field {} not in the provider's custom_fields",
                q(name)
            ),
            format!(
                "The provider block's `custom_fields` (or TENCENTCHAT_CUSTOM_FIELDS) {list}; \
                 add {} there (it must also be defined in the app's Chat console), so that \
                 every read asks for it.",
                q(name)
            ),
        );
    }
}

/// A chatbot as stored in Terraform state, with every value known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RobotState {
    pub(crate) user_id: String,
    pub(crate) profile: Profile,
    /// Whether `custom_fields` is set (possibly to an empty map) rather than null.
    pub(crate) custom_set: bool,
}

impl RobotState {
    pub(crate) fn to_model(&self) -> RobotModel {
        let mut m = RobotModel {
            id: Field::Known(self.user_id.clone()),
            user_id: Field::Known(self.user_id.clone()),
            ..RobotModel::default()
        };
        m.set_profile(&self.profile, !self.custom_set);
        m
    }

    /// From a state or planned model; None when the UserID is not known.
    /// Empty profile strings mean "none", as they do to the API.
    pub(crate) fn from_model(m: &RobotModel) -> Option<RobotState> {
        let user_id = m.user_id.as_str().or_else(|| m.id.as_str())?.to_string();
        Some(RobotState {
            user_id,
            profile: m.profile(),
            custom_set: !m.custom_fields.is_null(),
        })
    }

    /// The state of an imported chatbot: every field the API has.
    fn imported(user_id: &str, profile: &Profile) -> RobotState {
        RobotState {
            user_id: user_id.to_string(),
            custom_set: !profile.custom.is_empty(),
            profile: profile.clone(),
        }
    }

    /// The state after a refresh that read `read` for this chatbot: only the
    /// custom fields this state manages, and a default it holds kept while the
    /// API reports the tag unset.
    fn refreshed(&self, read: &Profile) -> RobotState {
        let managed = self.profile.custom.keys().cloned().collect();
        let mut profile = read.clone().with_custom_of(&managed);
        profile.keep_defaults_of(&self.profile);
        RobotState {
            user_id: self.user_id.clone(),
            profile,
            custom_set: self.custom_set,
        }
    }
}

/// The portrait_set items that turn `prior` into `planned`: changed fields only,
/// a removed field as its cleared value.
pub(crate) fn profile_items(prior: &Profile, planned: &Profile) -> Vec<ProfileItem> {
    planned.items_from(prior)
}

fn create_request(state: &RobotState) -> CreateRobotRequest {
    let p = &state.profile;
    CreateRobotRequest {
        user_id: state.user_id.clone(),
        nick: p.nick.clone(),
        face_url: p.face_url.clone(),
        self_signature: p.self_signature.clone(),
    }
}

/// Why a create met a full app, and what to do. `waited` when it waited for
/// this process's deletes of the app and tried again.
fn limit_detail(sdkappid: u64, waited: bool) -> String {
    let waited = if waited {
        " This create waited for the deletes of the app's chatbots that this provider was \
         running and tried again, and the app was still full."
    } else {
        ""
    };
    format!(
        "App {sdkappid} already has {MAX_ROBOTS_PER_APP} chatbots, the most Tencent Cloud Chat \
         allows in one app.{waited} If this apply also destroys chatbots of the app, those \
         destroys may not have run yet (Terraform may order creates before destroys): \
         applying again finishes the job. Otherwise delete one of them first (remove another \
         tencentchat_robot from the configuration, or delete it in the Chat console), or \
         create this chatbot in another app."
    )
}

/// The summary of a create of a chatbot that exists and that this resource does
/// not hold.
fn exists_summary(id: &str) -> String {
    format!("Chatbot {} already exists", q(id))
}

/// Why a create of `id` is refused at apply (`at_plan` false) or will be (the
/// plan's warning): the app already has that chatbot, and this resource does
/// not hold it. Terraform does not tell a provider the resource's address, so
/// the advice names it as the address shown above the message.
fn exists_detail(sdkappid: u64, id: &str, at_plan: bool) -> String {
    let outcome = if at_plan {
        "The apply will refuse to create it unless the same apply deletes it first (as \
         when two resources swap their user_id or a chatbot moves to another provider block \
         of the app), because creating it would take over a chatbot that this resource did \
         not make (create_robot succeeds for an existing UserID); the rest of the plan \
         applies as planned."
    } else {
        "Creating it would take over a chatbot that this resource did not make \
         (create_robot succeeds for an existing UserID), so it was refused. Nothing was \
         created or changed."
    };
    format!(
        "App {sdkappid} already has an active chatbot {}, and this resource does not hold it \
         in its state. {outcome}\n\n\
         - If this configuration manages it at another address (after moving from count to \
         for_each, or renaming the resource), add a `moved` block from the old address to \
         this one.\n\
         - If this resource holds it as a tainted object, run `terraform untaint` on it.\n\
         {}\
         - If another configuration or workspace manages it, do not import it: two states \
         would then own one chatbot, and destroying either deletes the other's chatbot. \
         Give this resource another {USER_ID} instead.\n\
         - Only if no other configuration or workspace manages it, import it.\n\n{}",
        q(id),
        if at_plan {
            String::new()
        } else {
            self_replacement_bullet()
        },
        import_advice(TYPE_NAME, id)
    )
}

/// The apply-time bullet for a replacement by a chatbot of the same UserID
/// under create_before_destroy, which meets its own old chatbot.
fn self_replacement_bullet() -> String {
    format!(
        "- If Terraform is replacing this resource's chatbot by one of the same UserID \
         (-replace or replace_triggered_by) with create_before_destroy: the old chatbot \
         still exists when the new one would be made, and one UserID is one chatbot, so \
         the replacement was refused and the old chatbot kept. Without \
         create_before_destroy such a replacement deletes the chatbot and makes it anew; \
         or change {USER_ID}.\n"
    )
}

/// Planned private data of a plan that keeps an existing object: the UserID it
/// holds. Terraform passes it back as the prior private data of the second plan
/// it asks for when it replaces the object (`-replace`, `replace_triggered_by`),
/// which is how a replacement by a chatbot of the same UserID is recognised.
const HOLDS: &str = "holds";

/// Which plan-time checks of a create to run (see [`Robot::check_create`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Checks {
    /// Registers the planned create (an error when another plan call of this
    /// process creates the same UserID) and warns about the app's list.
    All,
    /// Registers only.
    Register,
    /// Warns only.
    Look,
}

pub(crate) struct Robot {
    inner: Arc<Inner>,
}

impl Robot {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Robot { inner }
    }

    /// The plan-time checks of a create of `user_id` (prior state null, not a
    /// replacement by the same UserID). A UserID that another create of this
    /// plan also makes is an error; the others are warnings, because
    /// `terraform destroy` first runs a normal plan of the configuration and any
    /// error there would block the destroy: the chatbot exists already (the
    /// apply refuses the create), or the app is full (see
    /// [`super::plans::Plans::limit_warning`]). Both are checked against a list
    /// this process fetched within the snapshot's TTL (no extra call once a
    /// refresh or another create loaded it). A failed look-up is an error only
    /// for bad credentials or settings; otherwise the plan warns that nothing
    /// could be checked, and the apply checks again.
    async fn check_create(&self, user_id: &str, checks: Checks, diags: &mut Diagnostics) {
        let Conn::Ready(api) = self.inner.conn() else {
            return;
        };
        if checks != Checks::Look && !api.plans.plan_create(user_id) {
            let (summary, detail) = plans::duplicate(user_id, Refused::Process);
            diags.attr_error(USER_ID, summary, detail);
            return;
        }
        if checks == Checks::Register {
            return;
        }
        match api.snapshot.recent().await {
            Ok(recent) => {
                if recent.view.get(user_id).is_some() {
                    diags.attr_warning(
                        USER_ID,
                        exists_summary(user_id),
                        exists_detail(api.sdkappid, user_id, true),
                    );
                } else if let Some((summary, detail)) = api.plans.limit_warning(recent.fetched) {
                    diags.attr_warning(USER_ID, summary, detail);
                }
            }
            Err(e) if e.kind == ErrorKind::Auth => {
                let (summary, detail) = api.explain(
                    "Chat API refused the provider's settings",
                    &format!("chatbot {}", q(user_id)),
                    &e,
                );
                diags.attr_error(USER_ID, summary, detail);
            }
            Err(e) => {
                let (summary, detail) = api.explain(
                    "Could not check the app before this create",
                    &format!("chatbot {}", q(user_id)),
                    &e,
                );
                diags.attr_warning(
                    USER_ID,
                    summary,
                    format!(
                        "Not checked whether chatbot {} already exists or whether app {} has \
                         room for it: {} The apply checks again before creating it.",
                        q(user_id),
                        api.sdkappid,
                        detail.trim_end_matches('.').to_string() + "."
                    ),
                );
            }
        }
    }

    async fn create_robot(&self, planned: RobotState) -> Outcome<RobotModel> {
        let id = planned.user_id.clone();
        let api = match self.inner.api(&format!("create chatbot {}", q(&id))) {
            Ok(api) => api,
            Err(d) => return Outcome::new(None, d),
        };
        let summary = format!("Could not create chatbot {}", q(&id));
        let mut d = Diagnostics::new();
        // Claimed first, so two creates of one UserID in this run (two resources
        // of one configuration, from a saved plan or under two provider blocks)
        // never both reach create_robot; the claim stays once the chatbot is made.
        if let Err(why) = api.plans.claim(&id) {
            let (summary, detail) = plans::duplicate(&id, why);
            d.attr_error(USER_ID, summary, detail);
            return Outcome::new(None, d);
        }
        // The check of the plan again, against a list fetched now, after the
        // claim: a chatbot made since the plan (even seconds ago, by another
        // team), or one whose replacement would have to exist beside it
        // (create_before_destroy with the same UserID), is never taken over.
        // The API cannot create only if absent, so the window left is this one
        // request. A chatbot this process is deleting right now (a rename
        // without a `moved` block) is waited for.
        let mut listed = api.client.get_all_robots().await;
        if matches!(&listed, Ok(ids) if ids.contains(&id)) && api.plans.is_deleting(&id) {
            log_debug!(
                "provider",
                "waiting for this chatbot's delete",
                user_id = id
            );
            let mark = api.plans.deletes().done;
            api.plans.wait_for_deletes(mark, api.wait_limit).await;
            listed = api.client.get_all_robots().await;
        }
        match listed {
            Ok(ids) if ids.contains(&id) => {
                api.plans.release(&id);
                d.attr_error(
                    USER_ID,
                    exists_summary(&id),
                    exists_detail(api.sdkappid, &id, false),
                );
                return Outcome::new(None, d);
            }
            Ok(_) => {}
            Err(e) => {
                api.plans.release(&id);
                d.attr_error(
                    USER_ID,
                    summary,
                    format!(
                        "Checking that it does not exist yet failed, so nothing was created: {}",
                        sentence(&e)
                    ),
                );
                return Outcome::new(None, d);
            }
        }
        // A full app while this process deletes chatbots of it: Terraform ran
        // this create before (some of) those deletes. Wait for them, within the
        // request timeout, and try again while they make room.
        let started = std::time::Instant::now();
        let mut waited = false;
        let result = loop {
            let mark = api.plans.deletes().done;
            log_debug!("provider", "creating chatbot", user_id = id);
            let result = api.client.create_robot(&create_request(&planned)).await;
            match &result {
                Err(e) if e.kind == ErrorKind::LimitReached => {
                    let left = api.wait_limit.saturating_sub(started.elapsed());
                    let deletes = api.plans.deletes();
                    if left.is_zero() || (deletes.in_flight == 0 && deletes.done == mark) {
                        break result;
                    }
                    log_debug!(
                        "provider",
                        "app full while deletes run; waiting for them",
                        user_id = id,
                        deletes_in_flight = deletes.in_flight
                    );
                    waited = true;
                    if !api.plans.wait_for_deletes(mark, left).await {
                        break result;
                    }
                }
                _ => break result,
            }
        };
        let err = match result {
            Ok(()) => {
                set_the_rest(&api, &planned, &mut d).await;
                return Outcome::new(Some(planned.to_model()), d);
            }
            Err(e) => e,
        };
        api.snapshot.invalidate().await;
        match err.kind {
            ErrorKind::LimitReached => {
                let code = err
                    .code
                    .map(|c| format!(" (ErrorCode {c})"))
                    .unwrap_or_default();
                api.plans.release(&id);
                d.attr_error(
                    USER_ID,
                    summary,
                    format!("{}{code}", limit_detail(api.sdkappid, waited)),
                );
                Outcome::new(None, d)
            }
            ErrorKind::Transient => {
                // The request may have landed: look before reporting nothing was
                // made. The chatbot did not exist before this create (checked
                // above), so if it exists now, this create made it.
                log_debug!("provider", "create outcome unknown; checking", user_id = id);
                match api.client.get_all_robots().await {
                    Ok(ids) if ids.contains(&id) => {
                        set_the_rest(&api, &planned, &mut d).await;
                        d.attr_warning(
                            USER_ID,
                            format!("Chatbot {} created, but its answer was lost", q(&id)),
                            format!(
                                "{} The chatbot exists nonetheless, so it is recorded in the \
                                 state; the next plan shows any difference from the \
                                 configuration.",
                                sentence(&err)
                            ),
                        );
                        Outcome::new(Some(planned.to_model()), d)
                    }
                    Ok(_) => {
                        api.plans.release(&id);
                        d.attr_error(
                            USER_ID,
                            summary,
                            format!("{} No chatbot was created.", sentence(&err)),
                        );
                        Outcome::new(None, d)
                    }
                    Err(e2) => {
                        d.attr_error(
                            USER_ID,
                            summary,
                            format!(
                                "{} Checking whether it was created anyway also failed \
                                 ({e2}); if it was, the next plan reports {} as an existing \
                                 chatbot and shows the import block that adopts it.",
                                sentence(&err),
                                q(&id)
                            ),
                        );
                        Outcome::new(None, d)
                    }
                }
            }
            ErrorKind::Stopped => {
                d.attr_error(
                    USER_ID,
                    summary,
                    format!(
                        "{} The request may have reached the API before the stop; if it \
                         did, the next plan reports {} as an existing chatbot and shows the \
                         import block that adopts it.",
                        sentence(&err),
                        q(&id)
                    ),
                );
                Outcome::new(None, d)
            }
            _ => {
                api.plans.release(&id);
                d.attr_error(USER_ID, summary, err.to_string());
                Outcome::new(None, d)
            }
        }
    }

    async fn update_robot(
        &self,
        prior_model: RobotModel,
        prior: RobotState,
        planned: RobotState,
    ) -> Outcome<RobotModel> {
        let id = planned.user_id.clone();
        if prior.user_id != id {
            let mut d = Diagnostics::new();
            d.attr_error(
                USER_ID,
                format!("Unexpected in-place change of {USER_ID}"),
                format!(
                    "Changing {USER_ID} replaces the chatbot; this update should never have \
                     been planned. This is a provider bug."
                ),
            );
            return Outcome::new(Some(prior_model), d);
        }
        let items = profile_items(&prior.profile, &planned.profile);
        if items.is_empty() {
            return Outcome::new(Some(planned.to_model()), Diagnostics::new());
        }
        let api = match self.inner.api(&format!("update chatbot {}", q(&id))) {
            Ok(api) => api,
            Err(d) => return Outcome::new(Some(prior_model), d),
        };
        let tags: Vec<&str> = items.iter().map(|i| i.tag.as_str()).collect();
        log_debug!(
            "provider",
            "updating chatbot profile",
            user_id = id,
            tags = tags.join(",")
        );
        match api.client.portrait_set(&id, items.clone()).await {
            Ok(()) => {
                api.snapshot.patch_profile(&id, &items).await;
                Outcome::new(Some(planned.to_model()), Diagnostics::new())
            }
            Err(e) => {
                let mut d = Diagnostics::new();
                let detail = if e.kind == ErrorKind::NotFound {
                    format!(
                        "{} The chatbot no longer exists; refresh to plan its re-creation.",
                        sentence(&e)
                    )
                } else {
                    e.to_string()
                };
                d.error(
                    format!("Could not update chatbot {}", q(&id)),
                    format!("Setting {} failed: {detail}", Profile::item_names(&items)),
                );
                Outcome::new(Some(prior_model), d)
            }
        }
    }

    async fn delete_robot(
        &self,
        prior_model: RobotModel,
        prior: RobotState,
    ) -> Outcome<RobotModel> {
        let id = prior.user_id;
        let api = match self.inner.api(&format!("delete chatbot {}", q(&id))) {
            Ok(api) => api,
            Err(d) => return Outcome::new(Some(prior_model), d),
        };
        // Counted until this returns, so a create that meets a full app meanwhile
        // waits for it (see create_robot).
        let _deleting = api.plans.delete_started(&id);
        log_debug!("provider", "deleting chatbot", user_id = id);
        let result = api.client.delete_robot(&id).await;
        let err = match result {
            Ok(()) => {
                api.snapshot.note_deleted(&id).await;
                api.plans.forget(&id);
                return Outcome::new(None, Diagnostics::new());
            }
            Err(e) => e,
        };
        api.snapshot.invalidate().await;
        let mut d = Diagnostics::new();
        let summary = format!("Could not delete chatbot {}", q(&id));
        if matches!(err.kind, ErrorKind::InvalidInput | ErrorKind::NotFound) {
            // Already gone? Confirm with a fresh list, then call it done.
            match api.client.get_all_robots().await {
                Ok(ids) if !ids.contains(&id) => {
                    log_debug!("provider", "chatbot already gone", user_id = id);
                    api.snapshot.note_deleted(&id).await;
                    api.plans.forget(&id);
                    return Outcome::new(None, Diagnostics::new());
                }
                Ok(_) => d.error(summary, err.to_string()),
                Err(e2) => d.error(
                    summary,
                    format!(
                        "{} Checking whether it is already gone also failed: {e2}",
                        sentence(&err)
                    ),
                ),
            }
        } else {
            d.error(summary, err.to_string());
        }
        Outcome::new(Some(prior_model), d)
    }
}

/// After create_robot made `planned.user_id` with the fields it takes, sets the
/// others with one portrait_set. Either way the chatbot is recorded as planned:
/// if that call fails, a warning names the fields not set (an error would make
/// Terraform taint the new chatbot and plan its replacement), this process's
/// snapshot holds what was set, and the next refresh reads the API, so the next
/// plan shows exactly those fields and the next apply sets them.
async fn set_the_rest(api: &Api, planned: &RobotState, d: &mut Diagnostics) {
    let id = &planned.user_id;
    let made = planned.profile.create_part();
    let items = planned.profile.items_from(&made);
    api.snapshot.note_created(id, &made).await;
    if items.is_empty() {
        return;
    }
    log_debug!(
        "provider",
        "setting the rest of a new chatbot's profile",
        user_id = id,
        fields = Profile::item_names(&items)
    );
    match api.client.portrait_set(id, items.clone()).await {
        Ok(()) => api.snapshot.note_created(id, &planned.profile).await,
        Err(e) => d.warning(
            format!(
                "Chatbot {} created, but {} not set",
                q(id),
                Profile::item_names(&items)
            ),
            format!(
                "create_robot made the chatbot with {}; setting {} with portrait_set \
                 failed: {} The chatbot is recorded in the state; the next plan shows \
                 these fields as changes, and the next apply sets them.",
                match made.set_names().as_slice() {
                    [] => "no profile fields".to_string(),
                    names => names.join(", "),
                },
                Profile::item_names(&items),
                sentence(&e)
            ),
        ),
    }
}

/// An error's sentence with a full stop, so more sentences can follow it.
fn sentence(e: &ChatError) -> String {
    let m = e.message().trim_end();
    if m.ends_with(['.', '!', '?']) {
        m.to_string()
    } else {
        format!("{m}.")
    }
}

fn unreadable(d: &mut Diagnostics, id: &str, code: i64, info: &str) {
    d.error(
        format!("Could not read chatbot {}", q(id)),
        unreadable_detail(code, info),
    );
}

fn read_error(d: &mut Diagnostics, api: &Api, id: &str, e: &ChatError) {
    let subject = format!("chatbot {}", q(id));
    let (summary, detail) = api.explain(&format!("Could not read {subject}"), &subject, e);
    d.error(summary, detail);
}

impl TypedType for Robot {
    type Model = RobotModel;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn description() -> String {
        format!(
            "A Tencent Cloud Chat chatbot account (`{ROBOT_PREFIX}…`). Changing `{USER_ID}` \
             replaces the chatbot; the profile fields are updated in place. An app may have \
             at most {MAX_ROBOTS_PER_APP} active chatbots."
        )
    }
}

#[async_trait::async_trait]
impl TypedResource for Robot {
    async fn read(&self, current_model: RobotModel) -> Outcome<RobotModel> {
        let keep = |diagnostics| Outcome::new(Some(current_model.clone()), diagnostics);
        let Some(current) = RobotState::from_model(&current_model) else {
            return keep(Diagnostics::new());
        };
        let api = match self.inner.conn() {
            Conn::Ready(api) => api,
            // Values unknown: plans still work from the prior state.
            Conn::Unknown(_) => return keep(Diagnostics::new()),
            Conn::NotConfigured => {
                return keep(self.inner.api("read chatbots").err().unwrap_or_default())
            }
        };
        let mut d = Diagnostics::new();
        let view = match api.snapshot.get().await {
            Ok(view) => view,
            Err(e) => {
                read_error(&mut d, &api, &current.user_id, &e);
                return keep(d);
            }
        };
        let new_state = match view.get(&current.user_id) {
            None => {
                log_debug!("provider", "chatbot gone", user_id = current.user_id);
                // Whoever made it in this run, it is gone: it may be made again.
                api.plans.forget(&current.user_id);
                None
            }
            Some(Entry::Profile(p)) => Some(current.refreshed(p).to_model()),
            Some(Entry::Unreadable { code, info }) => {
                unreadable(&mut d, &current.user_id, *code, info);
                return keep(d);
            }
        };
        Outcome::new(new_state, d)
    }

    async fn plan(&self, change: &mut PlanChange<RobotModel>, diags: &mut Diagnostics) {
        if let (Some(fields), Conn::Ready(api)) =
            (change.planned.custom_fields.known(), self.inner.conn())
        {
            check_declared(fields.keys(), &api.custom_fields, diags);
        }
        // The id is the UserID, known as soon as the UserID is.
        change.planned.id = match &change.planned.user_id {
            Field::Known(id) => Field::Known(id.clone()),
            _ => Field::Unknown,
        };
        if let Some(prior) = change.prior.as_ref().and_then(RobotState::from_model) {
            change.planned_private.set(HOLDS, &prior.user_id);
            // A new UserID: Terraform asks again for the create half of the
            // replacement and keeps only the errors of that second answer, so
            // the warnings about the new chatbot are given here.
            match change.planned.user_id.as_str() {
                Some(id) if id != prior.user_id && !diags.has_errors() => {
                    self.check_create(id, Checks::Look, diags).await
                }
                _ => {}
            }
        } else if !diags.has_errors() {
            if let Some(id) = change.planned.user_id.as_str() {
                match change.prior_private.get::<String>(HOLDS).as_deref() {
                    // A replacement by a chatbot of the same UserID: without
                    // create_before_destroy the delete runs first and the create
                    // makes it anew; with it, the old chatbot still exists when
                    // the create runs, which then refuses (see create_robot).
                    // Not an error here: destroy's first plan would fail on it.
                    Some(old) if old == id => self.check_create(id, Checks::Register, diags).await,
                    // The create half of a replacement by a chatbot of another
                    // UserID (warned about in the first answer), or a create.
                    Some(_) => self.check_create(id, Checks::Register, diags).await,
                    None => self.check_create(id, Checks::All, diags).await,
                }
            }
        }
    }

    async fn create(&self, planned: RobotModel) -> Outcome<RobotModel> {
        match RobotState::from_model(&planned) {
            Some(planned) => self.create_robot(planned).await,
            None => Outcome::new(None, Diagnostics::new()),
        }
    }

    async fn update(&self, prior: RobotModel, planned: RobotModel) -> Outcome<RobotModel> {
        match (
            RobotState::from_model(&prior),
            RobotState::from_model(&planned),
        ) {
            (Some(p), Some(n)) => self.update_robot(prior, p, n).await,
            (Some(p), None) => self.delete_robot(prior, p).await,
            (None, Some(n)) => self.create_robot(n).await,
            (None, None) => Outcome::new(None, Diagnostics::new()),
        }
    }

    async fn delete(&self, prior: RobotModel) -> Outcome<RobotModel> {
        match RobotState::from_model(&prior) {
            Some(p) => self.delete_robot(prior, p).await,
            None => Outcome::new(None, Diagnostics::new()),
        }
    }

    async fn import(&self, id: &str) -> Outcome<RobotModel> {
        let mut d = Diagnostics::new();
        let problems = user_id_problems(id);
        if !problems.is_empty() {
            d.error(
                format!("Cannot import {} as a chatbot", q(id)),
                format!(
                    "The import ID is the chatbot's UserID. {}",
                    problems.join(" ")
                ),
            );
            return Outcome::new(None, d);
        }
        let api = match self.inner.api(&format!("import chatbot {}", q(id))) {
            Ok(api) => api,
            Err(d) => return Outcome::new(None, d),
        };
        if !api.plans.plan_import(id) {
            d.error(
                format!("Chatbot {} is imported twice", q(id)),
                format!(
                    "Another import of this configuration also imports chatbot {} \
                     (Terraform does not tell a provider which one). One UserID is one \
                     chatbot, so two addresses would both hold it, and every apply would \
                     set its profile back and forth. Nothing was imported. Keep one import \
                     block for it.",
                    q(id)
                ),
            );
            return Outcome::new(None, d);
        }
        let mut state = None;
        match api.snapshot.get().await {
            Err(e) => read_error(&mut d, &api, id, &e),
            Ok(view) => match view.get(id) {
                Some(Entry::Profile(p)) => state = Some(RobotState::imported(id, p).to_model()),
                Some(Entry::Unreadable { code, info }) => unreadable(&mut d, id, *code, info),
                None => d.error(
                    format!("Cannot import chatbot {}", q(id)),
                    format!(
                        "There is no active chatbot with UserID {} in app {}. Check the \
                         UserID (and the provider's sdkappid), or create it with a \
                         {TYPE_NAME} resource instead.",
                        q(id),
                        api.sdkappid
                    ),
                ),
            },
        }
        Outcome::new(state, d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::wire;
    use crate::tfproto::Value;
    use crate::tfproto::{
        ApplyRequest, AttrPath, Model, PlanRequest, ReadRequest, Resource, Schema, Severity, Type,
    };
    use robot_attr::{
        face_url as FACE_URL, id as ID, nick as NICK, self_signature as SELF_SIGNATURE,
    };

    fn schema() -> Schema {
        Schema::new(Robot::description(), RobotModel::attributes())
    }

    fn check_config(config: &Value) -> Diagnostics {
        schema().validate(config)
    }

    fn to_value(s: &RobotState) -> Value {
        s.to_model().to_value()
    }

    fn from_value(v: &Value) -> Option<RobotState> {
        RobotState::from_model(&RobotModel::from_value(v))
    }

    /// The resource on a provider whose settings are not known yet: no API.
    fn unconfigured() -> Arc<dyn Resource> {
        crate::tfproto::resource(Robot::new(Arc::new(Inner {
            env: Box::new(|_| None),
            conn: std::sync::RwLock::new(Conn::Unknown(vec!["sdkappid"])),
        })))
    }

    /// The planned state and the paths forcing replacement, for a non-destroy plan.
    async fn plan_change(prior: &Value, proposed: &Value) -> (Value, Vec<AttrPath>) {
        let r = unconfigured()
            .plan(PlanRequest {
                prior_state: prior.clone(),
                proposed_new_state: proposed.clone(),
                config: proposed.clone(),
                prior_private: Vec::new(),
            })
            .await;
        (r.planned_state, r.requires_replace)
    }

    fn robot(id: Value, nick: Value, face: Value, sig: Value) -> Value {
        Value::object([
            (ID, Value::Null),
            (USER_ID, id),
            (NICK, nick),
            (FACE_URL, face),
            (SELF_SIGNATURE, sig),
        ])
    }

    fn profile(n: Option<&str>, f: Option<&str>, s: Option<&str>) -> Profile {
        Profile {
            nick: n.map(Into::into),
            face_url: f.map(Into::into),
            self_signature: s.map(Into::into),
            ..Profile::default()
        }
    }

    #[test]
    fn error_sentences_end_with_a_full_stop() {
        let e = |m: &str| ChatError::new(ErrorKind::Other, "create_robot", None, "", m);
        assert_eq!(sentence(&e("run it again")), "run it again.");
        assert_eq!(sentence(&e("done. ")), "done.");
        assert_eq!(sentence(&e("why?")), "why?");
    }

    #[test]
    fn schema_shape() {
        let s = schema();
        let names: Vec<_> = s.attributes.iter().map(|a| a.name.as_str()).collect();
        let profile: Vec<&str> = super::super::profile::ROWS
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(names[..5], [ID, USER_ID, NICK, FACE_URL, SELF_SIGNATURE]);
        assert_eq!(names[2..names.len() - 1], profile);
        assert_eq!(names.last(), Some(&robot_attr::custom_fields));
        let [id, user_id] = [0, 1].map(|i| &s.attributes[i]);
        assert!(user_id.required && user_id.requires_replace);
        assert!(id.computed && !id.requires_replace);
        assert!(s.attributes.iter().all(|a| !a.description.is_empty()));
        assert!(s.attributes[2..].iter().all(|a| a.optional && !a.computed));
        assert_eq!(s.attribute("level").unwrap().ty, Type::Number);
        assert_eq!(
            s.attribute("custom_fields").unwrap().ty,
            Type::Map(Box::new(Type::String))
        );
    }

    #[test]
    fn config_checks_point_at_attributes_and_skip_unknowns() {
        let d = check_config(&robot(
            Value::string("bot"),
            Value::string(""),
            Value::Unknown,
            Value::string("x".repeat(501)),
        ));
        let attrs: Vec<_> =
            d.0.iter()
                .map(|x| (x.severity, x.attribute.clone().unwrap()))
                .collect();
        assert_eq!(
            attrs,
            [
                (Severity::Error, AttrPath::attr(USER_ID)),
                (Severity::Error, AttrPath::attr(NICK)),
                (Severity::Error, AttrPath::attr(SELF_SIGNATURE)),
            ]
        );
        let ok = check_config(&robot(
            Value::Unknown,
            Value::string("Jarvis"),
            Value::Null,
            Value::Unknown,
        ));
        assert!(ok.is_empty());
    }

    #[tokio::test]
    async fn plan_sets_id_and_replaces_on_user_id_change() {
        let prior = to_value(&RobotState {
            user_id: "@RBT#1".into(),
            profile: profile(Some("a"), None, None),
            custom_set: false,
        });

        // Create with a known user_id: id is known.
        let proposed = robot(
            Value::string("@RBT#1"),
            Value::string("a"),
            Value::Null,
            Value::Null,
        );
        let (planned, rr) = plan_change(&Value::Null, &proposed).await;
        assert_eq!(planned, prior);
        assert!(rr.is_empty());

        // Create with an unknown user_id: id unknown, nothing else touched.
        let proposed = robot(Value::Unknown, Value::string("a"), Value::Null, Value::Null);
        let (planned, rr) = plan_change(&Value::Null, &proposed).await;
        assert!(planned.get(ID).is_unknown());
        assert_eq!(planned.get(NICK), &Value::string("a"));
        assert!(rr.is_empty());

        // In-place: nick changes, no replacement.
        let mut proposed = prior.clone();
        proposed.set(NICK, Value::string("b"));
        let (planned, rr) = plan_change(&prior, &proposed).await;
        assert_eq!(planned, proposed);
        assert!(rr.is_empty());

        // user_id changes (or becomes unknown): replacement, id follows.
        let mut proposed = prior.clone();
        proposed.set(USER_ID, Value::string("@RBT#2"));
        let (planned, rr) = plan_change(&prior, &proposed).await;
        assert_eq!(rr, [AttrPath::attr(USER_ID)]);
        assert_eq!(planned.get(ID), &Value::string("@RBT#2"));
        proposed.set(USER_ID, Value::Unknown);
        let (planned, rr) = plan_change(&prior, &proposed).await;
        assert_eq!(rr, [AttrPath::attr(USER_ID)]);
        assert!(planned.get(ID).is_unknown());
    }

    #[test]
    fn diff_sends_only_changes_and_clears_removed_fields() {
        let before = profile(Some("a"), Some("http://x"), None);
        assert!(profile_items(&before, &before).is_empty());

        let after = profile(Some("b"), None, Some("hello"));
        let items = profile_items(&before, &after);
        let got: Vec<_> = items
            .iter()
            .map(|i| (i.tag.as_str(), i.value.as_str().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                (wire::TAG_NICK, "b"),
                (wire::TAG_IMAGE, ""),
                (wire::TAG_SELF_SIGNATURE, "hello")
            ]
        );

        // Applying the items to the old profile yields the new one.
        let mut p = before.clone();
        p.apply(&items);
        assert_eq!(p, after);
    }

    #[test]
    fn a_self_replacement_and_an_existing_chatbot_are_explained_in_words() {
        assert!(self_replacement_bullet().contains("create_before_destroy"));
        let d = exists_detail(1400000000, "@RBT#zh ", false);
        assert!(exists_detail(1, "@RBT#a", true).contains("The apply will refuse"));
        assert!(d.contains("active chatbot \"@RBT#zh \""), "{d}");
        for needle in [
            "`moved` block",
            "untaint",
            "id = \"@RBT#zh \"",
            "terraform import",
            "do not import it: two states would then own one chatbot",
            "Only if no other configuration or workspace manages it, import it.",
        ] {
            assert!(d.contains(needle), "{needle} in {d}");
        }
    }

    #[test]
    fn state_and_profile_round_trip() {
        let s = RobotState {
            user_id: "@RBT#7".into(),
            profile: profile(None, Some("https://img/x.png"), Some("sig")),
            custom_set: false,
        };
        let v = to_value(&s);
        assert_eq!(v.get(ID), &Value::string("@RBT#7"));
        assert!(v.get(NICK).is_null());
        assert_eq!(from_value(&v), Some(s.clone()));

        // From the API: absent tag and "" are both null.
        let from_api = Profile::from_items(&[
            ProfileItem {
                tag: wire::TAG_NICK.into(),
                value: "".into(),
            },
            ProfileItem {
                tag: wire::TAG_IMAGE.into(),
                value: "https://img/x.png".into(),
            },
            ProfileItem {
                tag: wire::TAG_SELF_SIGNATURE.into(),
                value: "sig".into(),
            },
        ]);
        assert_eq!(from_api, s.profile);

        // The create request carries exactly the set fields.
        let req = create_request(&s);
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            serde_json::json!({"UserID":"@RBT#7","FaceUrl":"https://img/x.png","SelfSignature":"sig"})
        );

        // An unknown user_id is not a usable state; an old state with only id is.
        assert!(from_value(&robot(
            Value::Unknown,
            Value::Null,
            Value::Null,
            Value::Null
        ))
        .is_none());
        let only_id = Value::object([(ID, Value::string("@RBT#9"))]);
        assert_eq!(from_value(&only_id).unwrap().user_id, "@RBT#9");
    }

    #[test]
    fn a_refresh_keeps_the_managed_custom_fields_and_configured_defaults() {
        let state = RobotState {
            user_id: "@RBT#r".into(),
            profile: Profile {
                allow_type: Some("need_confirm".into()),
                custom: [("model".into(), "a".into()), ("team".into(), "t".into())].into(),
                ..Profile::default()
            },
            custom_set: true,
        };
        let read = Profile {
            gender: Some("male".into()),
            custom: [("model".into(), "b".into()), ("other".into(), "x".into())].into(),
            ..Profile::default()
        };
        let r = state.refreshed(&read);
        assert_eq!(r.profile.allow_type.as_deref(), Some("need_confirm"));
        assert_eq!(r.profile.gender.as_deref(), Some("male"), "drift shows");
        assert_eq!(
            r.profile.custom,
            [("model".to_string(), "b".to_string())].into(),
            "only managed names; a managed one cleared elsewhere is gone"
        );
        // An import holds every field read, custom ones included.
        let imported = RobotState::imported("@RBT#r", &read);
        assert!(imported.custom_set);
        assert_eq!(imported.to_model().custom_fields.known().unwrap().len(), 2);
        // No custom field anywhere: null, not an empty map.
        let none = RobotState::imported("@RBT#r", &Profile::default());
        assert!(none.to_model().custom_fields.is_null());
    }

    #[test]
    fn the_limit_message_says_destroys_may_not_have_run_yet() {
        let plain = limit_detail(1400000000, false);
        assert!(plain.contains("already has 20 chatbots"), "{plain}");
        assert!(plain.contains("may not have run yet"), "{plain}");
        assert!(plain.contains("applying again finishes the job"), "{plain}");
        assert!(!plain.contains("waited"), "{plain}");
        assert!(limit_detail(1, true).contains("waited for the deletes"));
    }

    #[tokio::test]
    async fn plan_without_api_validates_and_destroys() {
        let r = unconfigured();
        let bad = robot(
            Value::string("@RBT#"),
            Value::Null,
            Value::Null,
            Value::Null,
        );
        let resp = r
            .plan(PlanRequest {
                prior_state: Value::Null,
                proposed_new_state: bad.clone(),
                config: bad,
                prior_private: Vec::new(),
            })
            .await;
        assert!(resp.diagnostics.has_errors());

        let prior = to_value(&RobotState {
            user_id: "@RBT#1".into(),
            profile: Profile::default(),
            custom_set: false,
        });
        let resp = r
            .plan(PlanRequest {
                prior_state: prior.clone(),
                proposed_new_state: Value::Null,
                config: Value::Null,
                prior_private: Vec::new(),
            })
            .await;
        assert!(resp.planned_state.is_null() && resp.diagnostics.is_empty());

        // Reads while the configuration is unknown keep the prior state.
        let read = r
            .read(ReadRequest {
                current_state: prior.clone(),
                private: Vec::new(),
            })
            .await;
        assert_eq!(read.new_state, prior);
        assert!(read.diagnostics.is_empty());

        // An apply that needs the API says why it cannot.
        let applied = r
            .apply(ApplyRequest {
                prior_state: Value::Null,
                planned_state: prior.clone(),
                config: prior,
                planned_private: Vec::new(),
            })
            .await;
        assert!(applied.new_state.is_null());
        assert!(applied.diagnostics.0[0].detail.contains("not known yet"));

        // Import validates the ID before anything else.
        let imp = r.import("not-a-bot").await;
        assert!(imp.states.is_empty());
        assert!(imp.diagnostics.0[0].detail.contains("must start with"));
    }
}
