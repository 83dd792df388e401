//! The rules every resource, data source and ephemeral resource shares, written
//! once, over typed models ([`Model`]). A type implements only what is its own:
//! [`TypedResource`] its create, read, update, delete and import (plus optional
//! plan and validate steps); [`TypedDataSource`] its read; [`TypedEphemeral`] its
//! open. [`resource`], [`data_source`] and [`ephemeral`] register one.
//!
//! What the adapters here own (after terraform-plugin-framework's server):
//! - validate: every attribute's declared validators on known values, then the
//!   type's own checks;
//! - plan: a destroy plans null (the type only hears of it); otherwise the
//!   validation above runs on the proposed state, attributes declared
//!   `requires_replace` (or holding a nested field so declared) that change are
//!   reported, and computed attributes the configuration leaves null are planned
//!   unknown when the object is new (create or replacement) or changes in place,
//!   except, on an in-place change, those declared `use_state_for_unknown`, which
//!   keep their prior value; then the type's own step;
//! - upgrade: a state of an older [`TypedResource::SCHEMA_VERSION`] goes through
//!   [`TypedResource::upgrade`] (the decoded JSON in, a model out);
//! - apply: one ApplyResourceChange dispatched to create, update or delete by
//!   which of prior and planned state are null;
//! - import: one ID, at most one object;
//! - the shape of every response (private data passed through on read, none
//!   written on apply); private data reaches the type keyed ([`Private`]).

use std::sync::Arc;

use super::diag::{AttrPath, Diagnostics};
use super::model::Model;
use super::private::Private;
use super::schema::Schema;
use super::value::Value;
use super::{
    ApplyRequest, ApplyResponse, DataSource, EphemeralResource, ImportResponse, OpenResponse,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource,
};

/// The outcome of a read, create, update or delete: the object's state (`None`:
/// there is none, it is gone) and what to tell the user.
pub struct Outcome<M> {
    pub state: Option<M>,
    pub diagnostics: Diagnostics,
}

impl<M> Outcome<M> {
    pub fn new(state: Option<M>, diagnostics: Diagnostics) -> Self {
        Outcome { state, diagnostics }
    }
}

/// A plan being made for a create or an update, handed to
/// [`TypedResource::plan`] after the shared rules have run.
pub struct PlanChange<M> {
    /// `None` on create.
    pub prior: Option<M>,
    /// The planned state so far; the type may fill in what it knows.
    pub planned: M,
    /// The private data Terraform passed with the plan (the prior's, or the
    /// previous plan's on the create half of a replacement).
    pub prior_private: Private,
    /// What goes back as the planned private data; starts as `prior_private`.
    pub planned_private: Private,
}

/// What every typed type declares: its model, name and description, and any
/// checks of its own beyond the attributes' validators.
#[async_trait::async_trait]
pub trait TypedType: Send + Sync + 'static {
    type Model: Model + Send + Sync + 'static;
    const TYPE_NAME: &'static str;
    /// The schema's description (Markdown).
    fn description() -> String;
    /// Checks beyond the attributes' own validators.
    async fn validate(&self, _config: &Self::Model, _diags: &mut Diagnostics) {}
}

/// A managed resource type over a model.
#[async_trait::async_trait]
pub trait TypedResource: TypedType {
    /// The version of the schema this type writes states in; raise it when a
    /// stored state needs [`upgrade`](Self::upgrade) to be read.
    const SCHEMA_VERSION: i64 = 0;
    /// A stored state of schema `version` (older than [`Self::SCHEMA_VERSION`]),
    /// decoded from its JSON (attributes the current schema lacks included), as a
    /// current model; `None` leaves the state null. The default reads it as a
    /// current model, dropping what the schema no longer has.
    async fn upgrade(
        &self,
        _version: i64,
        prior: Value,
        _diags: &mut Diagnostics,
    ) -> Option<Self::Model> {
        model(&prior)
    }
    /// The type's own step of a create or update plan.
    async fn plan(&self, _change: &mut PlanChange<Self::Model>, _diags: &mut Diagnostics) {}
    /// Told of a planned destroy (the plan itself is always null).
    async fn plan_destroy(&self, _prior: Self::Model) -> Diagnostics {
        Diagnostics::new()
    }
    async fn read(&self, current: Self::Model) -> Outcome<Self::Model>;
    async fn create(&self, planned: Self::Model) -> Outcome<Self::Model>;
    async fn update(&self, prior: Self::Model, planned: Self::Model) -> Outcome<Self::Model>;
    /// On success the outcome's state is `None`.
    async fn delete(&self, prior: Self::Model) -> Outcome<Self::Model>;
    /// The object `id` names, when it exists.
    async fn import(&self, id: &str) -> Outcome<Self::Model>;
}

/// A data source type over a model.
#[async_trait::async_trait]
pub trait TypedDataSource: TypedType {
    /// The full state for `config`, or `None` when it could not be read; called
    /// after validation, whose diagnostics are in `diags`.
    async fn read(&self, config: Self::Model, diags: &mut Diagnostics) -> Option<Self::Model>;
}

/// An ephemeral resource type over a model whose result needs no renewal.
#[async_trait::async_trait]
pub trait TypedEphemeral: TypedType {
    /// The result for a configuration that passed the validators; `None` for null.
    async fn open(&self, config: Self::Model, diags: &mut Diagnostics) -> Option<Self::Model>;
}

/// A typed type with its schema built once.
struct Typed<T> {
    imp: T,
    schema: Schema,
}

impl<T: TypedType> Typed<T> {
    fn new(imp: T) -> Self {
        Self::versioned(imp, 0)
    }

    fn versioned(imp: T, version: i64) -> Self {
        let mut schema = Schema::new(T::description(), T::Model::attributes());
        schema.version = version;
        Typed { imp, schema }
    }

    /// `config` as a model, with the declared validators' diagnostics and then
    /// the type's own.
    async fn checked(&self, config: &Value) -> (T::Model, Diagnostics) {
        let (model, mut d) = (T::Model::from_value(config), self.schema.validate(config));
        self.imp.validate(&model, &mut d).await;
        (model, d)
    }
}

/// Registers a resource type.
pub fn resource<T: TypedResource>(imp: T) -> Arc<dyn Resource> {
    Arc::new(Typed::versioned(imp, T::SCHEMA_VERSION))
}

/// Registers a data source type.
pub fn data_source<T: TypedDataSource>(imp: T) -> Arc<dyn DataSource> {
    Arc::new(Typed::new(imp))
}

/// Registers an ephemeral resource type.
pub fn ephemeral<T: TypedEphemeral>(imp: T) -> Arc<dyn EphemeralResource> {
    Arc::new(Typed::new(imp))
}

/// Every typed type's name and schema (built once).
macro_rules! name_and_schema {
    () => {
        fn type_name(&self) -> &'static str {
            T::TYPE_NAME
        }

        fn schema(&self) -> Schema {
            self.schema.clone()
        }
    };
}

fn state<M: Model>(m: Option<M>) -> Value {
    m.map_or(Value::Null, |m| m.to_value())
}

fn model<M: Model>(v: &Value) -> Option<M> {
    (!v.is_null()).then(|| M::from_value(v))
}

#[async_trait::async_trait]
impl<T: TypedResource> Resource for Typed<T> {
    name_and_schema!();

    async fn validate(&self, config: &Value) -> Diagnostics {
        self.checked(config).await.1
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        let Some(current) = model(&req.current_state) else {
            return ReadResponse {
                new_state: Value::Null,
                private: req.private,
                diagnostics: Diagnostics::new(),
            };
        };
        let out = self.imp.read(current).await;
        ReadResponse {
            new_state: state(out.state),
            private: req.private,
            diagnostics: out.diagnostics,
        }
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        if req.proposed_new_state.is_null() {
            let diagnostics = match model(&req.prior_state) {
                Some(prior) => self.imp.plan_destroy(prior).await,
                None => Diagnostics::new(),
            };
            return PlanResponse {
                planned_state: Value::Null,
                requires_replace: Vec::new(),
                planned_private: req.prior_private,
                diagnostics,
            };
        }
        let mut d = self.checked(&req.proposed_new_state).await.1;
        let mut planned = req.proposed_new_state.clone();
        let (prior, proposed) = (&req.prior_state, &req.proposed_new_state);
        let mut requires_replace = Vec::new();
        if !prior.is_null() {
            for a in &self.schema.attributes {
                let key = |v: &Value| a.replace_key(v.get(&a.name));
                if a.replaces() && key(prior) != key(proposed) {
                    requires_replace.push(AttrPath::attr(&a.name));
                }
            }
        }
        let new = prior.is_null() || !requires_replace.is_empty();
        if new || prior != proposed {
            for a in self.schema.attributes.iter().filter(|a| a.computed) {
                if req.config.get(&a.name).is_null() && (new || !a.use_state_for_unknown) {
                    planned.set(&a.name, Value::Unknown);
                }
            }
        }
        let private = Private::decode(&req.prior_private);
        let mut change = PlanChange {
            prior: model(prior),
            planned: T::Model::from_value(&planned),
            planned_private: private.clone(),
            prior_private: private,
        };
        self.imp.plan(&mut change, &mut d).await;
        PlanResponse {
            planned_state: change.planned.to_value(),
            requires_replace,
            planned_private: change.planned_private.encode(),
            diagnostics: d,
        }
    }

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        let out = match (model(&req.prior_state), model(&req.planned_state)) {
            (None, None) => Outcome::new(None, Diagnostics::new()),
            (Some(prior), None) => self.imp.delete(prior).await,
            (None, Some(planned)) => self.imp.create(planned).await,
            (Some(prior), Some(planned)) => self.imp.update(prior, planned).await,
        };
        ApplyResponse {
            new_state: state(out.state),
            private: Vec::new(),
            diagnostics: out.diagnostics,
        }
    }

    async fn upgrade(&self, version: i64, state: Value) -> (Value, Diagnostics) {
        let mut d = Diagnostics::new();
        let upgraded = self.imp.upgrade(version, state, &mut d).await;
        (self::state(upgraded), d)
    }

    async fn import(&self, id: &str) -> ImportResponse {
        let out = self.imp.import(id).await;
        ImportResponse {
            states: out.state.iter().map(Model::to_value).collect(),
            diagnostics: out.diagnostics,
        }
    }
}

#[async_trait::async_trait]
impl<T: TypedDataSource> DataSource for Typed<T> {
    name_and_schema!();

    async fn validate(&self, config: &Value) -> Diagnostics {
        self.checked(config).await.1
    }

    async fn read(&self, config: &Value) -> (Value, Diagnostics) {
        let (config, mut d) = self.checked(config).await;
        let out = self.imp.read(config, &mut d).await;
        (state(out), d)
    }
}

#[async_trait::async_trait]
impl<T: TypedEphemeral> EphemeralResource for Typed<T> {
    name_and_schema!();

    async fn validate(&self, config: &Value) -> Diagnostics {
        self.checked(config).await.1
    }

    async fn open(&self, config: &Value) -> OpenResponse {
        let (model, mut diagnostics) = self.checked(config).await;
        let result = if diagnostics.has_errors() {
            None
        } else {
            self.imp.open(model, &mut diagnostics).await
        };
        OpenResponse {
            result: state(result),
            private: Vec::new(),
            renew_at: None,
            diagnostics,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfproto::{Field, PathStep};
    use std::sync::Mutex;

    fn no_x(name: &str, v: &str, d: &mut Diagnostics) {
        if v == "x" {
            d.attr_error(name, "x", "");
        }
    }

    crate::model! {
        struct Part in part_attr {
            serial: String => required("Serial.").requires_replace(),
            label: String => optional("Label.").validate(no_x),
        }
    }

    crate::model! {
        struct Thing in thing_attr {
            id: String => computed("ID.").use_state_for_unknown(),
            name: String => required("Name.").requires_replace().validate(no_x),
            note: String => optional("Note."),
            parts: Vec<Part> => optional("Parts."),
            revision: i64 => computed("Changes on every update."),
        }
    }

    /// Records which of its steps the adapter called.
    #[derive(Default)]
    struct Things(Mutex<Vec<String>>);

    impl Things {
        fn did(&self, what: &str, m: &Thing) -> Outcome<Thing> {
            let name = m.name.as_str().unwrap_or("?");
            self.0.lock().unwrap().push(format!("{what} {name}"));
            let state = (what != "delete").then(|| Thing {
                id: Field::Known(format!("id-{name}")),
                ..m.clone()
            });
            Outcome::new(state, Diagnostics::new())
        }
    }

    impl TypedType for Things {
        type Model = Thing;
        const TYPE_NAME: &'static str = "test_thing";
        fn description() -> String {
            "Things.".into()
        }
    }

    #[async_trait::async_trait]
    impl TypedResource for Things {
        const SCHEMA_VERSION: i64 = 1;
        /// Version 0 called `name` `title`.
        async fn upgrade(
            &self,
            version: i64,
            prior: Value,
            diags: &mut Diagnostics,
        ) -> Option<Thing> {
            if version != 0 {
                diags.error("Unknown version", version.to_string());
                return None;
            }
            let mut v = prior;
            let title = v.get("title").clone();
            v.set(thing_attr::name, title);
            Some(Thing::from_value(&v))
        }
        async fn plan_destroy(&self, prior: Thing) -> Diagnostics {
            self.did("plan_destroy", &prior);
            Diagnostics::new()
        }
        async fn read(&self, current: Thing) -> Outcome<Thing> {
            self.did("read", &current)
        }
        async fn create(&self, planned: Thing) -> Outcome<Thing> {
            self.did("create", &planned)
        }
        async fn update(&self, _prior: Thing, planned: Thing) -> Outcome<Thing> {
            self.did("update", &planned)
        }
        async fn delete(&self, prior: Thing) -> Outcome<Thing> {
            self.did("delete", &prior)
        }
        async fn import(&self, id: &str) -> Outcome<Thing> {
            let name = Field::Known(id.to_string());
            self.did(
                "import",
                &Thing {
                    name,
                    ..Thing::default()
                },
            )
        }
    }

    fn thing(id: Field<String>, name: &str, note: Option<&str>) -> Value {
        Thing {
            id,
            name: Field::Known(name.into()),
            note: Field::from_option(note.map(str::to_string)),
            ..Thing::default()
        }
        .to_value()
    }

    fn with_parts(mut v: Value, parts: &[(&str, &str)]) -> Value {
        let parts = parts.iter().map(|(serial, label)| {
            Part {
                serial: Field::Known(serial.to_string()),
                label: Field::Known(label.to_string()),
            }
            .to_value()
        });
        v.set(thing_attr::parts, Value::List(parts.collect()));
        v
    }

    #[tokio::test]
    async fn nested_rules_computed_updates_and_upgrades() {
        let r = resource(Things::default());
        assert_eq!(r.schema().version, 1);
        let a = thing(Field::Known("id-a".into()), "a", None);
        let plan = |prior: Value, proposed: Value| PlanRequest {
            prior_state: prior,
            config: proposed.clone(),
            proposed_new_state: proposed,
            prior_private: Vec::new(),
        };
        // A nested validator runs on every element and points into it.
        let bad = with_parts(a.clone(), &[("s1", "ok"), ("s2", "x")]);
        let d = r.validate(&bad).await;
        assert_eq!(d.0.len(), 1);
        assert_eq!(
            d.0[0].attribute,
            Some(AttrPath(vec![
                PathStep::Attribute("parts".into()),
                PathStep::Index(1),
                PathStep::Attribute("label".into()),
            ]))
        );
        // A nested requires_replace field replaces; another nested field does not.
        let prior = with_parts(a.clone(), &[("s1", "one")]);
        let relabeled = with_parts(a.clone(), &[("s1", "two")]);
        let reserialed = with_parts(a.clone(), &[("s9", "one")]);
        let p = r.plan(plan(prior.clone(), relabeled)).await;
        assert!(p.requires_replace.is_empty());
        // An in-place change: `revision` (computed) is unknown, `id` keeps its state.
        assert!(p.planned_state.get(thing_attr::revision).is_unknown());
        let mut stateful = prior.clone();
        stateful.set(thing_attr::id, Value::string("id-a"));
        let p = r
            .plan(PlanRequest {
                config: with_parts(thing(Field::Null, "a", None), &[("s1", "two")]),
                ..plan(stateful.clone(), with_parts(a.clone(), &[("s1", "two")]))
            })
            .await;
        assert_eq!(p.planned_state.get(thing_attr::id).as_str(), Some("id-a"));
        assert!(p.planned_state.get(thing_attr::revision).is_unknown());
        // No change: nothing is unknown.
        let p = r.plan(plan(stateful.clone(), stateful.clone())).await;
        assert_eq!(p.planned_state, stateful);
        let p = r.plan(plan(prior, reserialed)).await;
        assert_eq!(p.requires_replace, [AttrPath::attr(thing_attr::parts)]);

        // A version-0 state is upgraded by the type's hook; a current one is not asked.
        let v0 = Value::object([("id", Value::string("id-a")), ("title", Value::string("a"))]);
        let (up, d) = r.upgrade(0, v0).await;
        assert!(d.is_empty());
        assert_eq!(up.get(thing_attr::name).as_str(), Some("a"));
        assert!(up.get("title").is_null());
        let (_, d) = r.upgrade(7, Value::Null).await;
        assert!(d.has_errors());
    }

    #[test]
    fn private_data_reaches_the_type_keyed() {
        let mut p = Private::new();
        p.set("k", "v");
        assert_eq!(
            Private::decode(&p.encode()).get::<String>("k").as_deref(),
            Some("v")
        );
    }

    #[tokio::test]
    async fn the_shared_rules_of_plan_apply_and_import() {
        let imp = Arc::new(Typed::new(Things::default()));
        let mut kept = Private::new();
        kept.set("k", "p");
        let kept = kept.encode();
        let r: &dyn Resource = imp.as_ref();
        let plan = |prior: Value, proposed: Value| PlanRequest {
            prior_state: prior,
            config: proposed.clone(),
            proposed_new_state: proposed,
            prior_private: kept.clone(),
        };
        let known = |s: &str| Field::Known(s.to_string());
        let a = thing(known("id-a"), "a", None);

        // Create: validators run, the computed id is unknown, nothing replaced.
        let p = r
            .plan(plan(Value::Null, thing(Field::Null, "x", None)))
            .await;
        assert!(p.diagnostics.has_errors());
        let p = r
            .plan(plan(Value::Null, thing(Field::Null, "a", None)))
            .await;
        assert!(p.planned_state.get(thing_attr::id).is_unknown());
        assert!(p.requires_replace.is_empty() && p.planned_private == kept);

        // In place: the id is kept. Renamed: replaced, and the id unknown again.
        let p = r
            .plan(PlanRequest {
                config: thing(Field::Null, "a", Some("n")),
                ..plan(a.clone(), thing(known("id-a"), "a", Some("n")))
            })
            .await;
        assert!(p.requires_replace.is_empty());
        assert_eq!(
            p.planned_state.get(thing_attr::id).as_str(),
            Some("id-a"),
            "not configured, use_state_for_unknown: kept"
        );
        let mut renamed = a.clone();
        renamed.set(thing_attr::name, Value::string("b"));
        let p = r.plan(plan(a.clone(), renamed.clone())).await;
        assert_eq!(p.requires_replace, [AttrPath::attr(thing_attr::name)]);
        let p = r
            .plan(PlanRequest {
                config: thing(Field::Null, "b", None),
                ..plan(a.clone(), renamed)
            })
            .await;
        assert!(p.planned_state.get(thing_attr::id).is_unknown());

        // Destroy: null, and the type is told.
        let p = r.plan(plan(a.clone(), Value::Null)).await;
        assert!(p.planned_state.is_null() && p.planned_private == kept);

        // One apply, three operations by which side is null.
        let apply = |prior: Value, planned: Value| ApplyRequest {
            prior_state: prior,
            config: planned.clone(),
            planned_state: planned,
            planned_private: Vec::new(),
        };
        let made = r
            .apply(apply(Value::Null, thing(Field::Unknown, "a", None)))
            .await;
        assert_eq!(made.new_state, a);
        r.apply(apply(a.clone(), thing(known("id-a"), "a", Some("n"))))
            .await;
        assert!(r
            .apply(apply(a.clone(), Value::Null))
            .await
            .new_state
            .is_null());
        let imported = r.import("z").await;
        assert_eq!(imported.states.len(), 1);
        let read = r
            .read(ReadRequest {
                current_state: a,
                private: b"keep".to_vec(),
            })
            .await;
        assert_eq!(read.private, b"keep");
        assert_eq!(
            *imp.imp.0.lock().unwrap(),
            [
                "plan_destroy a",
                "create a",
                "update a",
                "delete a",
                "import z",
                "read a"
            ]
        );
    }
}
