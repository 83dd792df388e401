//! The tfplugin6 `Provider` service, turned into typed calls on the traits below.
//!
//! Owns: decoding and encoding `DynamicValue` (MessagePack and JSON, with null and
//! unknown), converting [`Schema`]s to the wire, converting [`Diagnostics`] to the
//! wire with attribute paths, and dispatching each RPC to the right resource, data
//! source or function by name. Knows nothing of any one provider: the provider code
//! implements the traits here.

pub mod codec;
mod convert;
pub mod diag;
pub mod docs;
pub mod function;
pub mod model;
pub mod private;
pub mod schema;
mod service;
pub mod typed;
pub mod value;

/// Types and service stubs generated from `proto/tfplugin6.proto`.
#[allow(clippy::all, missing_docs)]
pub mod proto {
    tonic::include_proto!("tfplugin6");
}

pub use diag::{AttrPath, Diagnostic, Diagnostics, PathStep, Severity};
pub use function::{Function, FunctionError, Parameter, Signature};
pub use model::{Attr, Field, FieldType, Model};
pub use private::Private;
pub use schema::{Attribute, Schema, Type, Validator};
pub use service::{server, ProviderService};
pub use typed::{
    data_source, ephemeral, resource, Outcome, PlanChange, TypedDataSource, TypedEphemeral,
    TypedResource, TypedType,
};
pub use value::Value;

use std::sync::Arc;

/// What Terraform tells the provider about itself at configure time.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub terraform_version: String,
    /// The client accepts deferred actions (Terraform 1.9+ with deferral enabled).
    pub deferral_allowed: bool,
}

/// The provider: its own block, its resources and data sources.
#[async_trait::async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The `provider "…" {}` block's schema.
    fn schema(&self) -> Schema;
    fn resources(&self) -> Vec<Arc<dyn Resource>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;
    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource>> {
        Vec::new()
    }
    /// Provider-defined functions (Terraform 1.8+); they never see the configuration.
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }
    /// Static checks of the provider block (values may be unknown).
    async fn validate(&self, config: &Value) -> Diagnostics;
    /// Called once before any resource operation; values may still be unknown at plan time.
    async fn configure(&self, config: &Value, client: &ClientInfo) -> Diagnostics;
    /// Terraform asks the provider to stop in-flight work (Ctrl-C). Returns an error text on failure.
    async fn stop(&self) -> Result<(), String> {
        Ok(())
    }
}

pub struct ReadRequest {
    pub current_state: Value,
    pub private: Vec<u8>,
}

pub struct ReadResponse {
    /// `Value::Null` tells Terraform the object is gone.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct PlanRequest {
    /// Null on create.
    pub prior_state: Value,
    /// Null on destroy.
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}

pub struct PlanResponse {
    pub planned_state: Value,
    pub requires_replace: Vec<AttrPath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct ApplyRequest {
    /// Null on create.
    pub prior_state: Value,
    /// Null on destroy.
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

pub struct ApplyResponse {
    /// Null after destroy. On a failed create, the state of whatever was made (or null).
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct ImportResponse {
    /// States of the imported objects of this resource type (usually one).
    pub states: Vec<Value>,
    pub diagnostics: Diagnostics,
}

/// A managed resource type, e.g. `example_data`.
#[async_trait::async_trait]
pub trait Resource: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Static checks of a resource block (values may be unknown).
    async fn validate(&self, config: &Value) -> Diagnostics;
    async fn read(&self, req: ReadRequest) -> ReadResponse;
    async fn plan(&self, req: PlanRequest) -> PlanResponse;
    async fn apply(&self, req: ApplyRequest) -> ApplyResponse;
    async fn import(&self, id: &str) -> ImportResponse;
    /// Brings a stored state of `version` up to the current schema. The service has
    /// already decoded the raw JSON into a value.
    async fn upgrade(&self, _version: i64, state: Value) -> (Value, Diagnostics) {
        (state, Diagnostics::new())
    }
}

/// A data source type, e.g. `example_items`.
#[async_trait::async_trait]
pub trait DataSource: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    async fn validate(&self, config: &Value) -> Diagnostics;
    /// Returns the full state for `config` (computed attributes filled in).
    async fn read(&self, config: &Value) -> (Value, Diagnostics);
}

pub struct OpenResponse {
    pub result: Value,
    pub private: Vec<u8>,
    /// Unix seconds when Terraform should call renew; None for never.
    pub renew_at: Option<u64>,
    pub diagnostics: Diagnostics,
}

pub struct RenewResponse {
    pub private: Vec<u8>,
    /// Unix seconds when Terraform should call renew again; None for never.
    pub renew_at: Option<u64>,
    pub diagnostics: Diagnostics,
}

/// An ephemeral resource type (Terraform 1.10+), e.g. `example_token`.
#[async_trait::async_trait]
pub trait EphemeralResource: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    async fn validate(&self, config: &Value) -> Diagnostics;
    async fn open(&self, config: &Value) -> OpenResponse;
    /// Called at or after `renew_at` with the private data of the last open/renew.
    /// The default keeps the private data and asks for no further renewal.
    async fn renew(&self, private: &[u8]) -> RenewResponse {
        RenewResponse {
            private: private.to_vec(),
            renew_at: None,
            diagnostics: Diagnostics::new(),
        }
    }
    async fn close(&self, _private: &[u8]) -> Diagnostics {
        Diagnostics::new()
    }
}
