//! What this provider process plans and applies for its app, beyond one
//! resource: the creates it planned (so a configuration that creates one
//! UserID twice is refused at plan), the UserIDs its creates claimed (so an
//! apply never sends `create_robot` twice for one UserID), the deletes in flight
//! (so a create that meets a full app can wait for them), and the limit rule of
//! the plan-time warning.
//!
//! Terraform runs one provider process per provider block (alias) per graph
//! walk, and does not tell a provider a resource's address. Plans are checked
//! within the process; apply claims are also shared with the other provider
//! blocks of the same app in the same Terraform run through claim files (see
//! [`ClaimDir`]), so two aliases of one app cannot both create one UserID.

use super::words::q;
use crate::chat::wire::MAX_ROBOTS_PER_APP;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Start of every claim file's name.
const CLAIM_PREFIX: &str = "tencentchat-claim-";

/// How many deletes of the app are running in this process, and how many have
/// finished since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Deletes {
    pub(crate) in_flight: usize,
    pub(crate) done: u64,
}

/// The app's plans and claims in this process; owned by [`super::api::Api`].
pub(crate) struct Plans {
    sdkappid: u64,
    /// UserIDs of the creates planned in this process (prior state null, not
    /// the create half of a replacement by the same UserID).
    planned: Mutex<BTreeSet<String>>,
    /// UserIDs claimed by the creates this process applied or is applying.
    claimed: Mutex<BTreeSet<String>>,
    /// UserIDs this process imported (an import block per address).
    imported: Mutex<BTreeSet<String>>,
    /// UserIDs whose delete is running in this process.
    deleting: Mutex<BTreeSet<String>>,
    deletes: tokio::sync::watch::Sender<Deletes>,
    files: Option<ClaimDir>,
}

/// Why a create may not claim its UserID.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Another create of this process claimed it.
    Process,
    /// A provider process of another provider block of this app in the same
    /// Terraform run claimed it.
    Alias,
}

impl Plans {
    /// The plans of app `sdkappid`; claims are shared with sibling processes
    /// only when Terraform started this one (see [`ClaimDir::join`]).
    pub(crate) fn new(sdkappid: u64) -> Plans {
        Self::with_files(sdkappid, ClaimDir::join(sdkappid))
    }

    fn with_files(sdkappid: u64, files: Option<ClaimDir>) -> Plans {
        Plans {
            sdkappid,
            planned: Mutex::default(),
            claimed: Mutex::default(),
            imported: Mutex::default(),
            deleting: Mutex::default(),
            deletes: tokio::sync::watch::Sender::new(Deletes::default()),
            files,
        }
    }

    /// Registers a planned create of `user_id`; `false` when another plan call of
    /// this process already planned a create of it. Terraform plans each resource
    /// instance once per walk with a null prior state, so the second caller is a
    /// second resource (or instance) of this configuration.
    pub(crate) fn plan_create(&self, user_id: &str) -> bool {
        lock(&self.planned).insert(user_id.to_string())
    }

    /// Claims `user_id` for a create about to call `create_robot`. A claim is
    /// kept after a create that made the chatbot, so no other create of this
    /// run sends `create_robot` for it again.
    pub(crate) fn claim(&self, user_id: &str) -> Result<(), Refused> {
        let mut claimed = lock(&self.claimed);
        if claimed.contains(user_id) {
            return Err(Refused::Process);
        }
        if let Some(files) = &self.files {
            if !files.claim(user_id) {
                return Err(Refused::Alias);
            }
        }
        claimed.insert(user_id.to_string());
        Ok(())
    }

    /// Gives up the claim of a create that made nothing.
    pub(crate) fn release(&self, user_id: &str) {
        if lock(&self.claimed).remove(user_id) {
            if let Some(files) = &self.files {
                files.release(user_id);
            }
        }
    }

    /// The chatbot `user_id` is gone (this process deleted it, or found it
    /// gone): whoever claimed it in this run, a create of it may run again (a
    /// `terraform test` file that creates what an earlier file's clean-up
    /// destroyed, or a chatbot moved from one provider block to another).
    pub(crate) fn forget(&self, user_id: &str) {
        lock(&self.claimed).remove(user_id);
        if let Some(files) = &self.files {
            files.forget(user_id);
        }
    }

    /// Registers an import of `user_id`; `false` when another import of this
    /// process (another `import` block of this configuration) took it already.
    pub(crate) fn plan_import(&self, user_id: &str) -> bool {
        lock(&self.imported).insert(user_id.to_string())
    }

    /// A delete of the app's chatbot `user_id` starts; it counts as in flight
    /// until the guard is dropped.
    pub(crate) fn delete_started(&self, user_id: &str) -> DeleteGuard<'_> {
        lock(&self.deleting).insert(user_id.to_string());
        self.deletes.send_modify(|d| d.in_flight += 1);
        DeleteGuard(self, user_id.to_string())
    }

    /// Whether this process is deleting `user_id` right now.
    pub(crate) fn is_deleting(&self, user_id: &str) -> bool {
        lock(&self.deleting).contains(user_id)
    }

    pub(crate) fn deletes(&self) -> Deletes {
        *self.deletes.borrow()
    }

    /// Waits (at most `limit`) until no delete is in flight; `true` when some
    /// delete finished after `since` (a [`Deletes::done`] read earlier), that is,
    /// when the app may have room it did not have then.
    pub(crate) async fn wait_for_deletes(&self, since: u64, limit: Duration) -> bool {
        let mut rx = self.deletes.subscribe();
        let _ = tokio::time::timeout(limit, rx.wait_for(|d| d.in_flight == 0)).await;
        self.deletes().done > since
    }

    /// The plan-time warning for a create in an app whose list, as this process
    /// fetched it, has `active` chatbots: only when the app is already full,
    /// so identical plans of an identical app warn alike whatever the order in
    /// which Terraform plans the creates and destroys. No UserID in the summary:
    /// Terraform folds identical warnings into one.
    pub(crate) fn limit_warning(&self, active: usize) -> Option<(String, String)> {
        (active >= MAX_ROBOTS_PER_APP).then(|| {
            (
                format!("App {} is full", self.sdkappid),
                format!(
                    "App {} has {active} active chatbots, and Tencent Cloud Chat allows at \
                     most {MAX_ROBOTS_PER_APP} in one app. Each chatbot this plan creates \
                     there can be created only after deletes of the app's chatbots in the \
                     same apply: Terraform may run a create before the deletes, and then \
                     the create waits for the deletes this provider is running and tries \
                     again. If the app is still full, the create fails and applying again \
                     finishes the job once the deletes are done.",
                    self.sdkappid
                ),
            )
        })
    }
}

/// A delete in flight; see [`Plans::delete_started`].
pub(crate) struct DeleteGuard<'a>(&'a Plans, String);

impl Drop for DeleteGuard<'_> {
    fn drop(&mut self) {
        lock(&self.0.deleting).remove(&self.1);
        self.0.deletes.send_modify(|d| {
            d.in_flight -= 1;
            d.done += 1;
        });
    }
}

/// The summary and detail of a create refused because another create of this
/// run claimed or planned the same UserID.
pub(crate) fn duplicate(id: &str, why: Refused) -> (String, String) {
    let other = match why {
        Refused::Process => "another resource of this configuration also creates it",
        Refused::Alias => {
            "another resource of this configuration, under another provider block of the \
             same app, also creates it"
        }
    };
    (
        format!("Chatbot {} is created twice", q(id)),
        format!(
            "This resource creates chatbot {}, and {other} (Terraform does not tell a \
             provider which one). One UserID is one chatbot, so two resources would both \
             hold it. Nothing was created or changed. Give each resource its own user_id \
             (note that for_each keys that differ only in case, like \"Sales\" and \
             \"sales\", give the same UserID after lower()). Terraform plans the \
             configuration before a destroy too: to destroy what the state holds before \
             fixing it, run `terraform destroy -refresh=false`.",
            q(id)
        ),
    )
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Claim files shared by the provider processes of one Terraform run: one file
/// per app and UserID, `tencentchat-claim-<terraform pid>-<its start time>-
/// <sdkappid>-<hash>` in the temp directory, readable by its user only, made
/// with `O_EXCL` so only one process makes it, holding the claimer's pid.
///
/// A claim outlives its claimer: Terraform ends a provider process as soon as
/// its own resources are done, and a sibling whose list predates that
/// process's create must still be refused. So a claim is removed only when its
/// create made nothing; the files of Terraform runs that have ended are
/// removed by the next process that joins.
pub(crate) struct ClaimDir {
    dir: PathBuf,
    /// `tencentchat-claim-<terraform pid>-<start>-<sdkappid>-`.
    prefix: String,
    pid: u32,
    made: Mutex<BTreeSet<PathBuf>>,
}

impl ClaimDir {
    /// Only when Terraform started this process (as for siblings.rs).
    fn join(sdkappid: u64) -> Option<ClaimDir> {
        std::env::var_os(crate::plugin::MAGIC_COOKIE_KEY)?;
        let dir = std::env::temp_dir();
        sweep(&dir);
        let parent = std::os::unix::process::parent_id();
        Some(Self::new(
            dir,
            parent,
            &started(parent).unwrap_or_default(),
            sdkappid,
            std::process::id(),
        ))
    }

    fn new(dir: PathBuf, parent: u32, start: &str, sdkappid: u64, pid: u32) -> ClaimDir {
        ClaimDir {
            dir,
            prefix: format!("{CLAIM_PREFIX}{parent}-{start}-{sdkappid}-"),
            pid,
            made: Mutex::default(),
        }
    }

    fn path(&self, user_id: &str) -> PathBuf {
        let hash = Sha256::digest(user_id.as_bytes());
        let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{}{hex}", self.prefix))
    }

    /// `true` when this process now holds the claim. A file that cannot be made
    /// for another reason than that it exists (a read-only temp directory) does
    /// not stop the create: the claim then holds within this process only.
    fn claim(&self, user_id: &str) -> bool {
        let path = self.path(user_id);
        let made = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path);
        match made {
            Ok(mut f) => {
                let _ = write!(f, "{}", self.pid);
                log_debug!("provider", "claimed UserID", claim = path.display());
                lock(&self.made).insert(path);
                true
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                use std::os::unix::fs::MetadataExt;
                // A file another user planted at the predictable name is no
                // claim of this run: the claim then holds in this process only.
                let ours = std::fs::symlink_metadata(&path).is_ok_and(|m| {
                    m.file_type().is_file() && own_uid().is_none_or(|uid| m.uid() == uid)
                });
                if !ours {
                    log_debug!(
                        "provider",
                        "claim file not ours; claims stay in this process",
                        claim = path.display()
                    );
                    return true;
                }
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                log_debug!(
                    "provider",
                    "UserID claimed already",
                    claim = path.display(),
                    holder = holder
                );
                holder.trim() == self.pid.to_string()
            }
            Err(e) => {
                log_debug!(
                    "provider",
                    "no claim file; claims stay in this process",
                    error = e
                );
                true
            }
        }
    }

    fn release(&self, user_id: &str) {
        let path = self.path(user_id);
        if lock(&self.made).remove(&path) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Removes the claim of `user_id` whichever process of this run made it.
    fn forget(&self, user_id: &str) {
        let path = self.path(user_id);
        lock(&self.made).remove(&path);
        let _ = std::fs::remove_file(path);
    }
}

/// When process `pid` started (Linux: its start time in clock ticks since
/// boot, from /proc), so a claim of an ended Terraform run is not taken for one
/// of a new run that got the same pid. `None` where that cannot be told.
fn started(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces:
    // state is field 3, starttime field 22.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_string)
}

/// This process's user id (the owner of the files it makes), where /proc tells.
fn own_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid()).ok()
}

/// Removes the claim files of Terraform runs that have ended (only where /proc
/// tells, and only this user's files).
fn sweep(dir: &std::path::Path) {
    use std::os::unix::fs::MetadataExt;
    if started(std::process::id()).is_none() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(CLAIM_PREFIX)) else {
            continue;
        };
        let mut parts = rest.splitn(3, '-');
        let (Some(pid), Some(start)) = (parts.next(), parts.next()) else {
            continue;
        };
        let ended = match pid.parse::<u32>() {
            Ok(pid) => started(pid).as_deref() != Some(start),
            Err(_) => false,
        };
        let ours = entry.metadata().is_ok_and(|m| Some(m.uid()) == uid);
        if ended && ours {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_plan_registers_each_user_id_once() {
        let p = Plans::with_files(1, None);
        assert!(p.plan_create("@RBT#a"));
        assert!(p.plan_create("@RBT#b"));
        assert!(!p.plan_create("@RBT#a"));
    }

    #[test]
    fn a_claim_is_refused_twice_and_freed_by_release() {
        let p = Plans::with_files(1, None);
        assert_eq!(p.claim("@RBT#a"), Ok(()));
        assert_eq!(p.claim("@RBT#a"), Err(Refused::Process));
        p.release("@RBT#a");
        assert_eq!(p.claim("@RBT#a"), Ok(()));
        let (summary, detail) = duplicate("@RBT#a", Refused::Process);
        assert_eq!(summary, "Chatbot \"@RBT#a\" is created twice");
        assert!(detail.contains("another resource of this configuration also creates it"));
    }

    #[test]
    fn claim_files_are_shared_exclusive_private_and_outlive_their_process() {
        let dir = std::env::temp_dir().join(format!("claims-test-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let files = |parent, start: &str, app, pid| {
            Some(ClaimDir::new(dir.clone(), parent, start, app, pid))
        };
        let a = Plans::with_files(7, files(1, "5", 7, 11));
        // Another process of the same run and app.
        let b = Plans::with_files(7, files(1, "5", 7, 12));
        // Another app, another Terraform run, a new run with a reused pid.
        let c = Plans::with_files(8, files(1, "5", 8, 13));
        let d = Plans::with_files(7, files(2, "5", 7, 14));
        let e = Plans::with_files(7, files(1, "6", 7, 15));
        assert_eq!(b.claim("@RBT#x"), Ok(()));
        assert_eq!(a.claim("@RBT#x"), Err(Refused::Alias));
        for other in [&c, &d, &e] {
            assert_eq!(other.claim("@RBT#x"), Ok(()));
        }
        let path = b.files.as_ref().unwrap().path("@RBT#x");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "only our user may read it");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "12");
        // The claimer's process ends: its claim holds for the rest of the run.
        drop(b);
        assert_eq!(a.claim("@RBT#x"), Err(Refused::Alias));
        // A delete of the chatbot, by any process of the run, ends its claim.
        a.forget("@RBT#x");
        assert_eq!(a.claim("@RBT#x"), Ok(()));
        assert_eq!(a.claim("@RBT#x"), Err(Refused::Process));
        a.forget("@RBT#x");
        assert_eq!(a.claim("@RBT#x"), Ok(()));
        // A create that made nothing gives its claim up.
        assert_eq!(a.claim("@RBT#y"), Ok(()));
        a.release("@RBT#y");
        let f = Plans::with_files(7, files(1, "5", 7, 16));
        assert_eq!(f.claim("@RBT#y"), Ok(()));
        // Files of ended runs are swept (pid 4194305 exceeds any pid_max).
        let ended = dir.join(format!("{CLAIM_PREFIX}4194305-1-7-ab"));
        std::fs::write(&ended, "1").unwrap();
        let live = dir.join(format!(
            "{CLAIM_PREFIX}{}-{}-7-ab",
            std::process::id(),
            started(std::process::id()).unwrap_or_default()
        ));
        std::fs::write(&live, "1").unwrap();
        sweep(&dir);
        if started(std::process::id()).is_some() {
            assert!(!ended.exists(), "an ended run's claim is swept");
        }
        assert!(live.exists(), "a running Terraform's claim is kept");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_create_waits_for_deletes_in_flight() {
        let p = std::sync::Arc::new(Plans::with_files(1, None));
        let since = p.deletes().done;
        assert!(!p.wait_for_deletes(since, Duration::from_secs(1)).await);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let deleting = tokio::spawn({
            let p = p.clone();
            async move {
                let _g = p.delete_started("@RBT#gone");
                let _ = rx.await;
            }
        });
        tokio::task::yield_now().await;
        assert_eq!(p.deletes().in_flight, 1);
        let waiter = tokio::spawn({
            let p = p.clone();
            async move { p.wait_for_deletes(since, Duration::from_secs(5)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        tx.send(()).unwrap();
        deleting.await.unwrap();
        assert!(waiter.await.unwrap());
        assert_eq!(
            p.deletes(),
            Deletes {
                in_flight: 0,
                done: 1
            }
        );
    }

    #[test]
    fn the_limit_warning_only_for_a_full_app_and_states_no_projection() {
        let p = Plans::with_files(1400000000, None);
        assert!(p.limit_warning(MAX_ROBOTS_PER_APP - 1).is_none());
        let (summary, detail) = p.limit_warning(MAX_ROBOTS_PER_APP).unwrap();
        assert_eq!(summary, "App 1400000000 is full");
        assert!(detail.contains("has 20 active chatbots"), "{detail}");
        assert!(!detail.contains("would have"));
    }
}
