//! The shared read cache: which chatbots are active, and their profiles.
//!
//! The first reader in a process lists the active chatbots (get_all_robots) and then
//! reads ALL their profiles in one portrait_get (the client batches by 100), so
//! refreshing N robots costs 1 + ceil(N/100) calls. Readers that arrive while that
//! fetch runs wait for it and share its result, or its error. This process's own
//! create/delete invalidates the cache; its own portrait_set patches it; a TTL is
//! the safety net against changes made elsewhere during a long run.
//!
//! A [`Snapshot::prefetch`] runs in the background when a sibling provider
//! process starts reading (siblings.rs), so the processes of many aliases fetch
//! their apps at once instead of one after another. The prefetch does not hold
//! the slot: writers never wait for it. The first
//! reader (or advice-seeker) adopts its result; a write that lands while it is in
//! flight makes it stale, and a stale result is dropped unread.

pub(crate) use super::profile::Profile;
use crate::chat::wire::{self, ProfileItem, UserProfile};
use crate::chat::{ChatError, Client, ErrorKind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a fetched snapshot is trusted.
pub(crate) const TTL: Duration = Duration::from_secs(30);

/// The two list/read calls the snapshot needs (the chat client, or a test double).
#[async_trait::async_trait]
pub(crate) trait Directory: Send + Sync + 'static {
    async fn robot_ids(&self) -> Result<Vec<String>, ChatError>;
    /// The profiles of `user_ids`, with the tags in `tags`.
    async fn profiles(
        &self,
        user_ids: &[String],
        tags: &[String],
    ) -> Result<Vec<UserProfile>, ChatError>;
}

#[async_trait::async_trait]
impl Directory for Client {
    async fn robot_ids(&self) -> Result<Vec<String>, ChatError> {
        self.get_all_robots().await
    }
    async fn profiles(
        &self,
        user_ids: &[String],
        tags: &[String],
    ) -> Result<Vec<UserProfile>, ChatError> {
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        self.portrait_get(user_ids, &tags).await
    }
}

/// One active chatbot as the snapshot knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // a view holds at most a few dozen entries
pub(crate) enum Entry {
    Profile(Profile),
    /// portrait_get answered with a per-account error for it.
    Unreadable {
        code: i64,
        info: String,
    },
}

/// The active chatbots of the app, in API order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct View {
    pub(crate) robots: Vec<(String, Entry)>,
}

impl View {
    pub(crate) fn get(&self, user_id: &str) -> Option<&Entry> {
        self.robots
            .iter()
            .find(|(id, _)| id == user_id)
            .map(|(_, e)| e)
    }

    pub(crate) fn len(&self) -> usize {
        self.robots.len()
    }

    /// Builds a view from the two API answers. An account missing from the
    /// portrait_get answer is unreadable rather than silently profile-less; one
    /// whose own ResultCode says it does not exist (and only that) is gone.
    fn assemble(ids: Vec<String>, profiles: Vec<UserProfile>) -> View {
        let robots = ids
            .into_iter()
            .filter_map(|id| {
                let entry = match profiles.iter().find(|p| p.to_account == id) {
                    Some(p) if wire::RESULT_GONE.contains(&p.result_code) => return None,
                    Some(p) if p.result_code == 0 => {
                        Entry::Profile(Profile::from_items(&p.profile_item))
                    }
                    Some(p) => Entry::Unreadable {
                        code: p.result_code,
                        info: p.result_info.clone(),
                    },
                    None => Entry::Unreadable {
                        code: -1,
                        info: "missing from the portrait_get answer".into(),
                    },
                };
                Some((id, entry))
            })
            .collect();
        View { robots }
    }
}

/// A background fetch in flight or done but not yet adopted by a reader.
struct Prefetch {
    /// Its attempt number (for the failure bookkeeping).
    n: u64,
    /// Set by this process's own writes meanwhile: the result may predate them.
    stale: bool,
    result: tokio::sync::watch::Receiver<Option<Result<View, ChatError>>>,
}

#[derive(Default)]
struct Slot {
    prefetch: Option<Prefetch>,
    view: Option<(Instant, Arc<View>)>,
    /// The attempt number of the last failed fetch, and its error.
    failure: Option<(u64, ChatError)>,
    /// The last view fetched in this process, kept through invalidation and
    /// patched with this process's own creates and deletes (see
    /// [`Snapshot::recent`]).
    last: Option<Recent>,
}

/// The last list this process fetched, with its own creates and deletes since.
#[derive(Clone, Debug)]
pub(crate) struct Recent {
    /// When it was fetched.
    pub(crate) at: Instant,
    /// How many active chatbots the app had, as fetched.
    pub(crate) fetched: usize,
    pub(crate) view: Arc<View>,
}

impl Recent {
    fn new(view: Arc<View>) -> Recent {
        Recent {
            at: Instant::now(),
            fetched: view.len(),
            view,
        }
    }
}

impl Slot {
    /// After this process's own create or delete: no reader may be served the
    /// current view, nor a prefetch that may have listed the app before it.
    fn forget_view(&mut self) {
        self.view = None;
        self.mark_prefetch_stale();
    }

    fn mark_prefetch_stale(&mut self) {
        if let Some(p) = &mut self.prefetch {
            p.stale = true;
        }
    }
}

/// Single-flight, list-backed read cache.
pub(crate) struct Snapshot<D> {
    dir: D,
    ttl: Duration,
    /// The TagList of every profile read: every managed tag, so one read serves
    /// every resource and data source.
    tags: Vec<String>,
    /// Held across a fetch: that is what makes concurrent readers share one.
    slot: tokio::sync::Mutex<Slot>,
    /// Fetches started so far.
    attempts: AtomicU64,
}

impl<D: Directory> Snapshot<D> {
    /// A snapshot reading every standard tag and the custom fields `custom`.
    pub(crate) fn new(dir: D, custom: &[String]) -> Self {
        Self::with_ttl(dir, custom, TTL)
    }

    pub(crate) fn with_ttl(dir: D, custom: &[String], ttl: Duration) -> Self {
        Snapshot {
            dir,
            ttl,
            tags: super::profile::tag_list(custom),
            slot: tokio::sync::Mutex::new(Slot::default()),
            attempts: AtomicU64::new(0),
        }
    }

    /// Starts this process's first fetch now, without holding the slot, unless
    /// a fetch was already started (by a reader or an earlier prefetch): once
    /// this process has read, its own writes decide when to fetch again.
    /// Returns when the fetch is done; readers that come meanwhile wait for it
    /// and use its result (see [`Self::adopt`]).
    pub(crate) async fn prefetch(&self) {
        let (tx, rx) = tokio::sync::watch::channel(None);
        {
            let Ok(mut slot) = self.slot.try_lock() else {
                return; // a reader is fetching
            };
            if self.attempts.load(Ordering::SeqCst) > 0 {
                return;
            }
            let n = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
            slot.prefetch = Some(Prefetch {
                n,
                stale: false,
                result: rx,
            });
        }
        tx.send_replace(Some(self.fetch().await));
        // Nobody may read in this process (an apply that only writes): keep the
        // result anyway, as a reader would have.
        let mut slot = self.slot.lock().await;
        self.adopt(&mut slot).await;
    }

    /// Moves a pending prefetch's result into the slot, waiting for it if it is
    /// still in flight. Called with the slot held, by every reader.
    async fn adopt(&self, slot: &mut Slot) {
        let Some(mut p) = slot.prefetch.take() else {
            return;
        };
        let result = match p.result.wait_for(Option::is_some).await {
            Ok(r) => (*r).clone(),
            Err(_) => return, // the prefetch was dropped (process ending)
        };
        match result {
            _ if p.stale => {}
            Some(Ok(view)) => {
                let view = Arc::new(view);
                slot.view = Some((Instant::now(), view.clone()));
                slot.last = Some(Recent::new(view));
                slot.failure = None;
            }
            Some(Err(e)) => {
                log_debug!("provider", "robot snapshot prefetch failed", error = e);
                slot.failure = Some((p.n, e));
            }
            None => {}
        }
    }

    /// The current view, fetching it if there is none (or it is too old).
    pub(crate) async fn get(&self) -> Result<Arc<View>, ChatError> {
        let seen = self.attempts.load(Ordering::SeqCst);
        let mut slot = self.slot.lock().await;
        self.adopt(&mut slot).await;
        if let Some((at, view)) = &slot.view {
            if at.elapsed() < self.ttl {
                return Ok(view.clone());
            }
        }
        // A fetch that started after we began waiting failed: share its error
        // rather than hammering a failing API once per waiting reader. An
        // authentication or configuration failure is shared with every later
        // reader too: credentials do not mend themselves within one run, nor do
        // a host name that does not exist or an untrusted certificate.
        if let Some((n, err)) = &slot.failure {
            if *n > seen || matches!(err.kind, ErrorKind::Auth | ErrorKind::Unreachable) {
                return Err(err.clone());
            }
        }
        let n = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        match self.fetch().await {
            Ok(view) => {
                let view = Arc::new(view);
                slot.view = Some((Instant::now(), view.clone()));
                slot.last = Some(Recent::new(view.clone()));
                slot.failure = None;
                Ok(view)
            }
            Err(e) => {
                log_debug!("provider", "robot snapshot fetch failed", error = e);
                slot.view = None;
                slot.failure = Some((n, e.clone()));
                Err(e)
            }
        }
    }

    async fn fetch(&self) -> Result<View, ChatError> {
        let ids = self.dir.robot_ids().await?;
        let profiles = if ids.is_empty() {
            Vec::new()
        } else {
            self.dir.profiles(&ids, &self.tags).await?
        };
        log_debug!(
            "provider",
            "fetched robot snapshot",
            robots = ids.len(),
            user_ids = ids.join(",")
        );
        Ok(View::assemble(ids, profiles))
    }

    /// The app's chatbots for the checks of a create (at plan and before
    /// `create_robot`): the last list this process fetched, with its own creates
    /// and deletes since, if it was fetched within the TTL; else a fetch shared
    /// with any concurrent readers. So a check costs at most one fetch per
    /// process in a walk, and none once a refresh has run, yet never trusts a
    /// list older than the TTL. Without this, Terraform's re-plan of every create
    /// during apply (in a fresh provider process) refetched after each create
    /// landed: 10 lists and 8 profile reads for a 20-robot create.
    pub(crate) async fn recent(&self) -> Result<Recent, ChatError> {
        {
            let mut slot = self.slot.lock().await;
            self.adopt(&mut slot).await;
            if let Some(last) = &slot.last {
                if last.at.elapsed() < self.ttl {
                    return Ok(last.clone());
                }
            }
        }
        self.get().await?;
        let slot = self.slot.lock().await;
        Ok(slot
            .last
            .clone()
            .expect("a successful fetch keeps its view as the last one"))
    }

    /// Forgets the view: the next reader fetches again. Waits for an in-flight
    /// fetch, so a fetch that started before a create cannot outlive it.
    pub(crate) async fn invalidate(&self) {
        self.slot.lock().await.forget_view();
    }

    /// This process made `user_id` active with `profile`: the next reader fetches
    /// again, and the view kept for [`Snapshot::recent`] lists it from now on.
    pub(crate) async fn note_created(&self, user_id: &str, profile: &Profile) {
        let mut slot = self.slot.lock().await;
        slot.forget_view();
        if let Some(last) = &mut slot.last {
            let view = Arc::make_mut(&mut last.view);
            view.robots.retain(|(id, _)| id != user_id);
            view.robots
                .push((user_id.to_string(), Entry::Profile(profile.clone())));
        }
    }

    /// This process deleted `user_id` (or found it gone): the next reader fetches
    /// again, and the view kept for [`Snapshot::recent`] no longer lists it, so a
    /// replacement that deletes a chatbot and then makes it again is not taken
    /// for a create of a chatbot that already exists.
    pub(crate) async fn note_deleted(&self, user_id: &str) {
        let mut slot = self.slot.lock().await;
        slot.forget_view();
        if let Some(last) = &mut slot.last {
            Arc::make_mut(&mut last.view)
                .robots
                .retain(|(id, _)| id != user_id);
        }
    }

    /// Applies this process's own successful portrait_set to the cached view.
    pub(crate) async fn patch_profile(&self, user_id: &str, items: &[ProfileItem]) {
        let mut slot = self.slot.lock().await;
        slot.mark_prefetch_stale();
        if let Some((_, view)) = &mut slot.view {
            let view = Arc::make_mut(view);
            for (id, entry) in &mut view.robots {
                if id == user_id {
                    match entry {
                        Entry::Profile(p) => p.apply(items),
                        Entry::Unreadable { .. } => {
                            *entry = Entry::Profile(Profile::from_items(items))
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Mutex;

    /// An in-memory directory that counts calls and can be slowed down.
    #[derive(Default)]
    struct Fake {
        robots: Mutex<Vec<(String, Vec<ProfileItem>)>>,
        list_calls: AtomicUsize,
        profile_calls: AtomicUsize,
        profile_accounts: Mutex<Vec<usize>>,
        delay: Duration,
        /// When set, every list call fails with an error of this kind.
        fail: Mutex<Option<ErrorKind>>,
    }

    #[async_trait::async_trait]
    impl Directory for Arc<Fake> {
        async fn robot_ids(&self) -> Result<Vec<String>, ChatError> {
            self.list_calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            if let Some(kind) = *self.fail.lock().unwrap() {
                return Err(ChatError::new(kind, "get_all_robots", None, "", "failed"));
            }
            Ok(self
                .robots
                .lock()
                .unwrap()
                .iter()
                .map(|(id, _)| id.clone())
                .collect())
        }
        async fn profiles(
            &self,
            user_ids: &[String],
            _tags: &[String],
        ) -> Result<Vec<UserProfile>, ChatError> {
            self.profile_calls.fetch_add(1, Ordering::SeqCst);
            self.profile_accounts.lock().unwrap().push(user_ids.len());
            let robots = self.robots.lock().unwrap();
            Ok(user_ids
                .iter()
                .map(|id| match robots.iter().find(|(r, _)| r == id) {
                    Some((_, items)) => UserProfile {
                        to_account: id.clone(),
                        profile_item: items.clone(),
                        ..Default::default()
                    },
                    None => UserProfile {
                        to_account: id.clone(),
                        result_code: 70107,
                        result_info: "not found".into(),
                        ..Default::default()
                    },
                })
                .collect())
        }
    }

    fn item(tag: &str, v: &str) -> ProfileItem {
        ProfileItem {
            tag: tag.into(),
            value: serde_json::Value::String(v.into()),
        }
    }

    fn fake(n: usize, delay: Duration) -> Arc<Fake> {
        let f = Fake {
            delay,
            ..Default::default()
        };
        *f.robots.lock().unwrap() = (0..n)
            .map(|i| {
                (
                    format!("@RBT#{i:03}"),
                    vec![item(wire::TAG_NICK, &format!("bot {i}"))],
                )
            })
            .collect();
        Arc::new(f)
    }

    #[tokio::test]
    async fn concurrent_readers_share_one_fetch() {
        let f = fake(15, Duration::from_millis(50));
        let snap = Arc::new(Snapshot::new(f.clone(), &[]));
        let tasks: Vec<_> = (0..15)
            .map(|i| {
                let snap = snap.clone();
                tokio::spawn(async move {
                    let v = snap.get().await.unwrap();
                    v.get(&format!("@RBT#{i:03}")).cloned()
                })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            let entry = t.await.unwrap().expect("present");
            assert_eq!(
                entry,
                Entry::Profile(Profile {
                    nick: Some(format!("bot {i}")),
                    ..Default::default()
                })
            );
        }
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 1);
        assert_eq!(f.profile_calls.load(Ordering::SeqCst), 1);
        assert_eq!(*f.profile_accounts.lock().unwrap(), [15]);
        // A later reader uses the cache.
        snap.get().await.unwrap();
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn auth_failures_stick_and_transient_ones_are_retried() {
        let f = fake(1, Duration::ZERO);
        let snap = Snapshot::new(f.clone(), &[]);
        *f.fail.lock().unwrap() = Some(ErrorKind::Transient);
        assert!(snap.get().await.is_err());
        assert!(snap.get().await.is_err());
        assert_eq!(
            f.list_calls.load(Ordering::SeqCst),
            2,
            "a later reader tries again"
        );

        *f.fail.lock().unwrap() = Some(ErrorKind::Auth);
        assert_eq!(snap.get().await.unwrap_err().kind, ErrorKind::Auth);
        for _ in 0..5 {
            assert_eq!(snap.get().await.unwrap_err().kind, ErrorKind::Auth);
        }
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 3, "no call after Auth");
    }

    #[tokio::test]
    async fn empty_app_needs_no_profile_call() {
        let f = fake(0, Duration::ZERO);
        let snap = Snapshot::new(f.clone(), &[]);
        assert_eq!(snap.get().await.unwrap().len(), 0);
        assert_eq!(f.profile_calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn invalidate_and_ttl_refetch() {
        let f = fake(2, Duration::ZERO);
        let snap = Snapshot::new(f.clone(), &[]);
        assert!(snap.get().await.unwrap().get("@RBT#new").is_none());
        f.robots
            .lock()
            .unwrap()
            .push(("@RBT#new".into(), Vec::new()));
        // Still cached.
        assert!(snap.get().await.unwrap().get("@RBT#new").is_none());
        snap.invalidate().await;
        assert!(snap.get().await.unwrap().get("@RBT#new").is_some());
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 2);

        let short = Snapshot::with_ttl(f.clone(), &[], Duration::from_millis(1));
        short.get().await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        short.get().await.unwrap();
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn recent_is_never_older_than_the_ttl_and_counts_the_list_as_fetched() {
        let f = fake(2, Duration::ZERO);
        let snap = Snapshot::with_ttl(f.clone(), &[], Duration::from_millis(30));
        assert_eq!(snap.recent().await.unwrap().fetched, 2);
        snap.note_created("@RBT#new", &Profile::default()).await;
        let r = snap.recent().await.unwrap();
        assert_eq!(
            (r.fetched, r.view.len()),
            (2, 3),
            "patched, count as fetched"
        );
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(snap.recent().await.unwrap().view.len(), 2, "fetched again");
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn recent_fetches_at_most_once_per_process() {
        let f = fake(3, Duration::from_millis(20));
        let snap = Arc::new(Snapshot::new(f.clone(), &[]));
        // Concurrent advice-seekers share one fetch.
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let snap = snap.clone();
                tokio::spawn(async move { snap.recent().await.unwrap().view.len() })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), 3);
        }
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 1);
        // Our own create invalidates the view: a reader refetches, advice does not.
        f.robots
            .lock()
            .unwrap()
            .push(("@RBT#new".into(), Vec::new()));
        snap.invalidate().await;
        assert_eq!(snap.recent().await.unwrap().view.len(), 3);
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 1);
        assert_eq!(snap.get().await.unwrap().len(), 4);
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 2);
        // Advice follows the newest fetch.
        snap.invalidate().await;
        assert_eq!(snap.recent().await.unwrap().view.len(), 4);
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 2);
    }

    /// A prefetch started in the background, as siblings.rs starts one.
    async fn start_prefetch(snap: &Arc<Snapshot<Arc<Fake>>>) -> tokio::task::JoinHandle<()> {
        let bg = tokio::spawn({
            let snap = snap.clone();
            async move { snap.prefetch().await }
        });
        tokio::task::yield_now().await;
        bg
    }

    #[tokio::test]
    async fn readers_share_the_prefetch() {
        let f = fake(3, Duration::from_millis(30));
        let snap = Arc::new(Snapshot::new(f.clone(), &[]));
        let bg = start_prefetch(&snap).await;
        let readers: Vec<_> = (0..5)
            .map(|_| {
                let snap = snap.clone();
                tokio::spawn(async move { snap.get().await.unwrap().len() })
            })
            .collect();
        for r in readers {
            assert_eq!(r.await.unwrap(), 3);
        }
        bg.await.unwrap();
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 1);
        assert_eq!(f.profile_calls.load(Ordering::SeqCst), 1);
        // A second prefetch does nothing, even once our own write invalidated
        // the view: only the process's first fetch is prefetched.
        snap.prefetch().await;
        snap.invalidate().await;
        snap.prefetch().await;
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 1);
        // Without readers the prefetched view is kept for later ones.
        let alone = Snapshot::new(f.clone(), &[]);
        alone.prefetch().await;
        assert_eq!(alone.get().await.unwrap().len(), 3);
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn writes_do_not_wait_for_the_prefetch_and_make_it_stale() {
        let f = fake(2, Duration::from_millis(200));
        let snap = Arc::new(Snapshot::new(f.clone(), &[]));
        let bg = start_prefetch(&snap).await;
        let t0 = Instant::now();
        snap.patch_profile("@RBT#000", &[item(wire::TAG_NICK, "x")])
            .await;
        snap.invalidate().await;
        assert!(
            t0.elapsed() < Duration::from_millis(100),
            "a write waited for the prefetch"
        );
        bg.await.unwrap();
        // The prefetch's list may predate the writes: it is not served, so the
        // next reader fetches again.
        snap.get().await.unwrap();
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn prefetch_failures_auth_shared_transient_retried() {
        let f = fake(1, Duration::ZERO);
        *f.fail.lock().unwrap() = Some(ErrorKind::Transient);
        let snap = Snapshot::new(f.clone(), &[]);
        snap.prefetch().await;
        *f.fail.lock().unwrap() = None;
        assert_eq!(snap.get().await.unwrap().len(), 1, "a reader tries again");
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 2);

        *f.fail.lock().unwrap() = Some(ErrorKind::Auth);
        let snap = Snapshot::new(f.clone(), &[]);
        snap.prefetch().await;
        assert_eq!(snap.get().await.unwrap_err().kind, ErrorKind::Auth);
        assert_eq!(snap.recent().await.unwrap_err().kind, ErrorKind::Auth);
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 3, "no call after Auth");
    }

    #[tokio::test]
    async fn own_creates_and_deletes_patch_the_advice_view() {
        let f = fake(2, Duration::ZERO);
        let snap = Snapshot::new(f.clone(), &[]);
        assert_eq!(snap.recent().await.unwrap().view.len(), 2);
        snap.note_deleted("@RBT#000").await;
        let v = snap.recent().await.unwrap().view;
        assert!(v.get("@RBT#000").is_none() && v.get("@RBT#001").is_some());
        let p = Profile {
            nick: Some("n".into()),
            ..Default::default()
        };
        snap.note_created("@RBT#000", &p).await;
        assert_eq!(
            snap.recent().await.unwrap().view.get("@RBT#000"),
            Some(&Entry::Profile(p))
        );
        assert_eq!(
            f.list_calls.load(Ordering::SeqCst),
            1,
            "advice never refetched"
        );
        // Readers fetch afresh after either.
        snap.get().await.unwrap();
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn patch_updates_the_cached_profile() {
        let f = fake(1, Duration::ZERO);
        let snap = Snapshot::new(f.clone(), &[]);
        snap.get().await.unwrap();
        snap.patch_profile(
            "@RBT#000",
            &[
                item(wire::TAG_NICK, ""),
                item(wire::TAG_IMAGE, "https://x/y.png"),
            ],
        )
        .await;
        let v = snap.get().await.unwrap();
        assert_eq!(
            v.get("@RBT#000"),
            Some(&Entry::Profile(Profile {
                face_url: Some("https://x/y.png".into()),
                ..Default::default()
            }))
        );
        assert_eq!(f.list_calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn assemble_keeps_api_order_and_per_account_errors() {
        let v = View::assemble(
            vec!["@RBT#b".into(), "@RBT#a".into(), "@RBT#c".into()],
            vec![
                UserProfile {
                    to_account: "@RBT#a".into(),
                    profile_item: vec![
                        item(wire::TAG_SELF_SIGNATURE, "hi"),
                        item("Tag_Profile_IM_Mood", "x"),
                    ],
                    ..Default::default()
                },
                UserProfile {
                    to_account: "@RBT#b".into(),
                    result_code: 70107,
                    result_info: "gone".into(),
                    ..Default::default()
                },
            ],
        );
        let ids: Vec<_> = v.robots.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["@RBT#a", "@RBT#c"], "70107 means gone");
        assert_eq!(
            v.get("@RBT#a"),
            Some(&Entry::Profile(Profile {
                self_signature: Some("hi".into()),
                ..Default::default()
            }))
        );
        assert_eq!(v.get("@RBT#b"), None);
        assert!(matches!(
            v.get("@RBT#c"),
            Some(Entry::Unreadable { code: -1, .. })
        ));
    }
}
