//! The generated `tfplugin6.Provider` gRPC service, implemented on top of the
//! [`Provider`] trait family.
//!
//! Invariants:
//! - Every RPC answers: problems with a request (unknown type name, undecodable
//!   value) and values the provider code cannot encode become error diagnostics,
//!   never a gRPC error and never a panic.
//! - Schemas are converted once, at construction; each call only looks up its
//!   type by name and decodes/encodes its values against the cached type.
//! - Logs name the RPC and the type, never a value (values may hold secrets).
//!
//! Choices worth knowing:
//! - PlanResourceChange with both prior and proposed null answers null without
//!   calling the resource. On destroy (proposed null, prior set) the resource's
//!   `plan` *is* called so it may warn or refuse, but the planned state sent back
//!   is always null, as Terraform requires.
//! - UpgradeResourceState calls [`Resource::upgrade`] only for states written with
//!   an older schema version; attributes the current schema lacks are then dropped.
//!   A state from a newer version is an error.
//! - Functions, resource identity and moves are not offered: empty answers or an
//!   error diagnostic.

use std::collections::HashMap;
use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::codec::{self, CodecError};
use super::convert;
use super::proto;
use super::{
    ApplyRequest, ClientInfo, DataSource, Diagnostic, Diagnostics, EphemeralResource, PlanRequest,
    Provider, ReadRequest, Resource, Schema, Severity, Type, Value,
};

type RpcResult<T> = Result<Response<T>, Status>;

/// Largest message accepted or sent; states and schemas are far smaller, but a
/// limit below Terraform's own would fail with an opaque transport error.
const MAX_MESSAGE: usize = 256 << 20;

/// The gRPC server for `provider`, ready to add to a tonic router.
pub fn server<P: Provider>(
    provider: P,
) -> proto::provider_server::ProviderServer<ProviderService<P>> {
    proto::provider_server::ProviderServer::new(ProviderService::new(provider))
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE)
}

/// A type of resource, data source or ephemeral resource, with its schema's
/// object type computed once.
struct Entry<T: ?Sized> {
    imp: Arc<T>,
    version: i64,
    ty: Type,
}

impl<T: ?Sized> Entry<T> {
    fn new(imp: Arc<T>, schema: &Schema) -> Self {
        Entry {
            imp,
            version: schema.version,
            ty: schema.object_type(),
        }
    }
}

/// Implements `tfplugin6.Provider` for a [`Provider`].
pub struct ProviderService<P> {
    provider: P,
    provider_ty: Type,
    resources: HashMap<&'static str, Entry<dyn Resource>>,
    data_sources: HashMap<&'static str, Entry<dyn DataSource>>,
    ephemerals: HashMap<&'static str, Entry<dyn EphemeralResource>>,
    schema_response: proto::get_provider_schema::Response,
    metadata_response: proto::get_metadata::Response,
}

fn capabilities() -> proto::ServerCapabilities {
    proto::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
    }
}

impl<P: Provider> ProviderService<P> {
    /// Collects the provider's types and converts their schemas once.
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let mut schema_response = proto::get_provider_schema::Response {
            provider: Some(convert::schema(&provider_schema)),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        };
        let mut metadata_response = proto::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            ..Default::default()
        };

        let mut resources = HashMap::new();
        for r in provider.resources() {
            let s = r.schema();
            let name = r.type_name();
            schema_response
                .resource_schemas
                .insert(name.to_string(), convert::schema(&s));
            metadata_response
                .resources
                .push(proto::get_metadata::ResourceMetadata {
                    type_name: name.to_string(),
                });
            resources.insert(name, Entry::new(r, &s));
        }
        let mut data_sources = HashMap::new();
        for d in provider.data_sources() {
            let s = d.schema();
            let name = d.type_name();
            schema_response
                .data_source_schemas
                .insert(name.to_string(), convert::schema(&s));
            metadata_response
                .data_sources
                .push(proto::get_metadata::DataSourceMetadata {
                    type_name: name.to_string(),
                });
            data_sources.insert(name, Entry::new(d, &s));
        }
        let mut ephemerals = HashMap::new();
        for e in provider.ephemeral_resources() {
            let s = e.schema();
            let name = e.type_name();
            schema_response
                .ephemeral_resource_schemas
                .insert(name.to_string(), convert::schema(&s));
            metadata_response
                .ephemeral_resources
                .push(proto::get_metadata::EphemeralMetadata {
                    type_name: name.to_string(),
                });
            ephemerals.insert(name, Entry::new(e, &s));
        }

        ProviderService {
            provider_ty: provider_schema.object_type(),
            provider,
            resources,
            data_sources,
            ephemerals,
            schema_response,
            metadata_response,
        }
    }
}

// ---------------------------------------------------------------------------
// Helpers shared by the RPCs
// ---------------------------------------------------------------------------

/// A request value: MessagePack when present, else JSON, else null.
fn decode(dv: Option<&proto::DynamicValue>, ty: &Type) -> Result<Value, CodecError> {
    match dv {
        Some(d) if !d.msgpack.is_empty() => codec::decode_msgpack(&d.msgpack, ty),
        Some(d) if !d.json.is_empty() => codec::decode_json(&d.json, ty),
        _ => Ok(Value::Null),
    }
}

fn encode(v: &Value, ty: &Type) -> Result<proto::DynamicValue, CodecError> {
    Ok(proto::DynamicValue {
        msgpack: codec::encode_msgpack(v, ty)?,
        json: Vec::new(),
    })
}

fn error_diag(summary: &str, detail: String, e: Option<&CodecError>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        summary: summary.to_string(),
        detail,
        attribute: e.map(|e| e.path.clone()).filter(|p| !p.0.is_empty()),
    }
}

/// A request value Terraform sent that we could not read.
fn decode_error(what: &str, e: &CodecError) -> Vec<proto::Diagnostic> {
    vec![convert::diagnostic(&error_diag(
        &format!("Invalid {what}"),
        format!("The provider could not decode the {what} sent by Terraform: {e}."),
        Some(e),
    ))]
}

/// A value the provider code produced that does not fit its schema (a provider bug).
fn encode_error(what: &str, e: &CodecError) -> proto::Diagnostic {
    convert::diagnostic(&error_diag(
        &format!("Provider produced an invalid {what}"),
        format!("{e}. This is a bug in the provider; please report it."),
        Some(e),
    ))
}

fn unknown_type(kind: &str, name: &str) -> Vec<proto::Diagnostic> {
    vec![convert::diagnostic(&error_diag(
        &format!("Unknown {kind} type"),
        format!("This provider has no {kind} type named \"{name}\"."),
        None,
    ))]
}

fn unsupported(summary: &str, detail: &str) -> Vec<proto::Diagnostic> {
    vec![convert::diagnostic(&error_diag(
        summary,
        detail.to_string(),
        None,
    ))]
}

/// Appends the provider's diagnostics and logs how the call ended.
fn finish(rpc: &str, type_name: &str, d: &Diagnostics, out: &mut Vec<proto::Diagnostic>) {
    out.extend(convert::diagnostics(d));
    let errors = out
        .iter()
        .filter(|d| d.severity == proto::diagnostic::Severity::Error as i32)
        .count();
    if errors > 0 {
        log_debug!(
            "tfproto",
            "rpc returned errors",
            rpc = rpc,
            type_name = type_name,
            errors = errors
        );
    }
}

fn start(rpc: &str, type_name: &str) {
    log_trace!("tfproto", "rpc", rpc = rpc, type_name = type_name);
}

fn timestamp(unix: Option<u64>) -> Option<prost_types::Timestamp> {
    unix.map(|s| prost_types::Timestamp {
        seconds: i64::try_from(s).unwrap_or(i64::MAX),
        nanos: 0,
    })
}

fn ok<T>(t: T) -> RpcResult<T> {
    Ok(Response::new(t))
}

/// Looks up `$name` in `$map`, or returns the response built by `$resp` with an
/// "unknown type" diagnostic in its `diagnostics` field.
macro_rules! entry_or_return {
    ($map:expr, $name:expr, $kind:expr, $resp:expr) => {
        match $map.get($name.as_str()) {
            Some(e) => e,
            None => {
                let mut r = $resp;
                r.diagnostics = unknown_type($kind, &$name);
                finish("lookup", &$name, &Diagnostics::new(), &mut r.diagnostics);
                return ok(r);
            }
        }
    };
}

/// Decodes `$dv` against `$ty`, or returns `$resp` with a decoding diagnostic.
macro_rules! value_or_return {
    ($dv:expr, $ty:expr, $what:expr, $resp:expr) => {
        match decode($dv.as_ref(), $ty) {
            Ok(v) => v,
            Err(e) => {
                let mut r = $resp;
                r.diagnostics = decode_error($what, &e);
                return ok(r);
            }
        }
    };
}

// ---------------------------------------------------------------------------
// The RPCs
// ---------------------------------------------------------------------------

#[tonic::async_trait]
impl<P: Provider> proto::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _req: Request<proto::get_metadata::Request>,
    ) -> RpcResult<proto::get_metadata::Response> {
        start("GetMetadata", "");
        ok(self.metadata_response.clone())
    }

    async fn get_provider_schema(
        &self,
        _req: Request<proto::get_provider_schema::Request>,
    ) -> RpcResult<proto::get_provider_schema::Response> {
        start("GetProviderSchema", "");
        ok(self.schema_response.clone())
    }

    async fn validate_provider_config(
        &self,
        req: Request<proto::validate_provider_config::Request>,
    ) -> RpcResult<proto::validate_provider_config::Response> {
        start("ValidateProviderConfig", "");
        let req = req.into_inner();
        let config = value_or_return!(
            req.config,
            &self.provider_ty,
            "provider configuration",
            proto::validate_provider_config::Response::default()
        );
        let d = self.provider.validate(&config).await;
        let mut r = proto::validate_provider_config::Response::default();
        finish("ValidateProviderConfig", "", &d, &mut r.diagnostics);
        ok(r)
    }

    async fn validate_resource_config(
        &self,
        req: Request<proto::validate_resource_config::Request>,
    ) -> RpcResult<proto::validate_resource_config::Response> {
        let req = req.into_inner();
        start("ValidateResourceConfig", &req.type_name);
        let e = entry_or_return!(
            self.resources,
            req.type_name,
            "resource",
            proto::validate_resource_config::Response::default()
        );
        let config = value_or_return!(
            req.config,
            &e.ty,
            "resource configuration",
            proto::validate_resource_config::Response::default()
        );
        let d = e.imp.validate(&config).await;
        let mut r = proto::validate_resource_config::Response::default();
        finish(
            "ValidateResourceConfig",
            &req.type_name,
            &d,
            &mut r.diagnostics,
        );
        ok(r)
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<proto::validate_data_resource_config::Request>,
    ) -> RpcResult<proto::validate_data_resource_config::Response> {
        let req = req.into_inner();
        start("ValidateDataResourceConfig", &req.type_name);
        let e = entry_or_return!(
            self.data_sources,
            req.type_name,
            "data source",
            proto::validate_data_resource_config::Response::default()
        );
        let config = value_or_return!(
            req.config,
            &e.ty,
            "data source configuration",
            proto::validate_data_resource_config::Response::default()
        );
        let d = e.imp.validate(&config).await;
        let mut r = proto::validate_data_resource_config::Response::default();
        finish(
            "ValidateDataResourceConfig",
            &req.type_name,
            &d,
            &mut r.diagnostics,
        );
        ok(r)
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<proto::upgrade_resource_state::Request>,
    ) -> RpcResult<proto::upgrade_resource_state::Response> {
        type R = proto::upgrade_resource_state::Response;
        let req = req.into_inner();
        start("UpgradeResourceState", &req.type_name);
        let e = entry_or_return!(self.resources, req.type_name, "resource", R::default());
        let raw = req.raw_state.unwrap_or_default();
        if raw.json.is_empty() && !raw.flatmap.is_empty() {
            return ok(R {
                diagnostics: unsupported(
                    "Unsupported state format",
                    "The stored state is in the legacy flatmap format, which this provider cannot read.",
                ),
                ..R::default()
            });
        }
        if req.version > e.version {
            return ok(R {
                diagnostics: unsupported(
                    "State written by a newer provider",
                    &format!(
                        "The stored state of this {} has schema version {}, but this provider \
                         only knows versions up to {}. Use the newer provider version.",
                        req.type_name, req.version, e.version
                    ),
                ),
                ..R::default()
            });
        }
        let mut state = if raw.json.is_empty() {
            Value::Null
        } else {
            match codec::decode_json(&raw.json, &e.ty) {
                Ok(v) => v,
                Err(err) => {
                    return ok(R {
                        diagnostics: decode_error("stored state", &err),
                        ..R::default()
                    })
                }
            }
        };
        let mut d = Diagnostics::new();
        if req.version < e.version {
            let (upgraded, diags) = e.imp.upgrade(req.version, state).await;
            state = upgraded;
            d = diags;
        }
        let dropped = codec::prune(&mut state, &e.ty);
        if dropped > 0 {
            log_debug!(
                "tfproto",
                "dropped attributes the schema no longer has",
                type_name = req.type_name,
                count = dropped
            );
        }
        let mut r = R::default();
        match encode(&state, &e.ty) {
            Ok(v) => r.upgraded_state = Some(v),
            Err(err) => r.diagnostics.push(encode_error("upgraded state", &err)),
        }
        finish(
            "UpgradeResourceState",
            &req.type_name,
            &d,
            &mut r.diagnostics,
        );
        ok(r)
    }

    async fn get_resource_identity_schemas(
        &self,
        _req: Request<proto::get_resource_identity_schemas::Request>,
    ) -> RpcResult<proto::get_resource_identity_schemas::Response> {
        start("GetResourceIdentitySchemas", "");
        ok(Default::default())
    }

    async fn upgrade_resource_identity(
        &self,
        req: Request<proto::upgrade_resource_identity::Request>,
    ) -> RpcResult<proto::upgrade_resource_identity::Response> {
        let req = req.into_inner();
        start("UpgradeResourceIdentity", &req.type_name);
        ok(proto::upgrade_resource_identity::Response {
            upgraded_identity: None,
            diagnostics: unsupported(
                "Resource identity not supported",
                &format!(
                    "This provider defines no resource identity for \"{}\".",
                    req.type_name
                ),
            ),
        })
    }

    async fn configure_provider(
        &self,
        req: Request<proto::configure_provider::Request>,
    ) -> RpcResult<proto::configure_provider::Response> {
        start("ConfigureProvider", "");
        let req = req.into_inner();
        let config = value_or_return!(
            req.config,
            &self.provider_ty,
            "provider configuration",
            proto::configure_provider::Response::default()
        );
        let client = ClientInfo {
            terraform_version: req.terraform_version,
            deferral_allowed: req.client_capabilities.is_some_and(|c| c.deferral_allowed),
        };
        let d = self.provider.configure(&config, &client).await;
        let mut r = proto::configure_provider::Response::default();
        finish("ConfigureProvider", "", &d, &mut r.diagnostics);
        ok(r)
    }

    async fn read_resource(
        &self,
        req: Request<proto::read_resource::Request>,
    ) -> RpcResult<proto::read_resource::Response> {
        type R = proto::read_resource::Response;
        let req = req.into_inner();
        start("ReadResource", &req.type_name);
        let e = entry_or_return!(self.resources, req.type_name, "resource", R::default());
        let current = value_or_return!(req.current_state, &e.ty, "current state", R::default());
        let resp = e
            .imp
            .read(ReadRequest {
                current_state: current,
                private: req.private,
            })
            .await;
        let mut r = R {
            private: resp.private,
            ..R::default()
        };
        match encode(&resp.new_state, &e.ty) {
            Ok(v) => r.new_state = Some(v),
            Err(err) => {
                // Keep the object in state rather than dropping it.
                r.new_state = req.current_state;
                r.diagnostics.push(encode_error("state", &err));
            }
        }
        finish(
            "ReadResource",
            &req.type_name,
            &resp.diagnostics,
            &mut r.diagnostics,
        );
        ok(r)
    }

    async fn plan_resource_change(
        &self,
        req: Request<proto::plan_resource_change::Request>,
    ) -> RpcResult<proto::plan_resource_change::Response> {
        type R = proto::plan_resource_change::Response;
        let req = req.into_inner();
        start("PlanResourceChange", &req.type_name);
        let e = entry_or_return!(self.resources, req.type_name, "resource", R::default());
        let prior = value_or_return!(req.prior_state, &e.ty, "prior state", R::default());
        let proposed = value_or_return!(
            req.proposed_new_state,
            &e.ty,
            "proposed new state",
            R::default()
        );
        if prior.is_null() && proposed.is_null() {
            return ok(R {
                planned_state: Some(encode(&Value::Null, &e.ty).unwrap_or_default()),
                planned_private: req.prior_private,
                ..R::default()
            });
        }
        let config = value_or_return!(req.config, &e.ty, "configuration", R::default());
        let destroy = proposed.is_null();
        let resp = e
            .imp
            .plan(PlanRequest {
                prior_state: prior,
                proposed_new_state: proposed,
                config,
                prior_private: req.prior_private,
            })
            .await;
        let mut r = R {
            planned_private: resp.planned_private,
            ..R::default()
        };
        let planned = if destroy {
            Value::Null
        } else {
            r.requires_replace = resp.requires_replace.iter().map(convert::path).collect();
            resp.planned_state
        };
        match encode(&planned, &e.ty) {
            Ok(v) => r.planned_state = Some(v),
            Err(err) => r.diagnostics.push(encode_error("planned state", &err)),
        }
        finish(
            "PlanResourceChange",
            &req.type_name,
            &resp.diagnostics,
            &mut r.diagnostics,
        );
        ok(r)
    }

    async fn apply_resource_change(
        &self,
        req: Request<proto::apply_resource_change::Request>,
    ) -> RpcResult<proto::apply_resource_change::Response> {
        type R = proto::apply_resource_change::Response;
        let req = req.into_inner();
        start("ApplyResourceChange", &req.type_name);
        let e = entry_or_return!(self.resources, req.type_name, "resource", R::default());
        let prior = value_or_return!(req.prior_state, &e.ty, "prior state", R::default());
        let planned = value_or_return!(req.planned_state, &e.ty, "planned state", R::default());
        let config = value_or_return!(req.config, &e.ty, "configuration", R::default());
        let resp = e
            .imp
            .apply(ApplyRequest {
                prior_state: prior,
                planned_state: planned,
                config,
                planned_private: req.planned_private,
            })
            .await;
        let mut r = R {
            private: resp.private,
            ..R::default()
        };
        match encode(&resp.new_state, &e.ty) {
            Ok(v) => r.new_state = Some(v),
            Err(err) => {
                // Best effort: keep the prior object so Terraform does not forget it.
                r.new_state = req.prior_state;
                r.diagnostics.push(encode_error("new state", &err));
            }
        }
        finish(
            "ApplyResourceChange",
            &req.type_name,
            &resp.diagnostics,
            &mut r.diagnostics,
        );
        ok(r)
    }

    async fn import_resource_state(
        &self,
        req: Request<proto::import_resource_state::Request>,
    ) -> RpcResult<proto::import_resource_state::Response> {
        type R = proto::import_resource_state::Response;
        let req = req.into_inner();
        start("ImportResourceState", &req.type_name);
        let e = entry_or_return!(self.resources, req.type_name, "resource", R::default());
        let resp = e.imp.import(&req.id).await;
        let mut r = R::default();
        for state in &resp.states {
            match encode(state, &e.ty) {
                Ok(v) => {
                    r.imported_resources
                        .push(proto::import_resource_state::ImportedResource {
                            type_name: req.type_name.clone(),
                            state: Some(v),
                            private: Vec::new(),
                            identity: None,
                        })
                }
                Err(err) => r.diagnostics.push(encode_error("imported state", &err)),
            }
        }
        finish(
            "ImportResourceState",
            &req.type_name,
            &resp.diagnostics,
            &mut r.diagnostics,
        );
        ok(r)
    }

    async fn move_resource_state(
        &self,
        req: Request<proto::move_resource_state::Request>,
    ) -> RpcResult<proto::move_resource_state::Response> {
        let req = req.into_inner();
        start("MoveResourceState", &req.target_type_name);
        ok(proto::move_resource_state::Response {
            diagnostics: unsupported(
                "Move not supported",
                &format!(
                    "This provider cannot move \"{}\" resources into \"{}\".",
                    req.source_type_name, req.target_type_name
                ),
            ),
            ..Default::default()
        })
    }

    async fn read_data_source(
        &self,
        req: Request<proto::read_data_source::Request>,
    ) -> RpcResult<proto::read_data_source::Response> {
        type R = proto::read_data_source::Response;
        let req = req.into_inner();
        start("ReadDataSource", &req.type_name);
        let e = entry_or_return!(
            self.data_sources,
            req.type_name,
            "data source",
            R::default()
        );
        let config = value_or_return!(req.config, &e.ty, "configuration", R::default());
        let (state, d) = e.imp.read(&config).await;
        let mut r = R::default();
        match encode(&state, &e.ty) {
            Ok(v) => r.state = Some(v),
            Err(err) => r.diagnostics.push(encode_error("data source state", &err)),
        }
        finish("ReadDataSource", &req.type_name, &d, &mut r.diagnostics);
        ok(r)
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<proto::validate_ephemeral_resource_config::Request>,
    ) -> RpcResult<proto::validate_ephemeral_resource_config::Response> {
        type R = proto::validate_ephemeral_resource_config::Response;
        let req = req.into_inner();
        start("ValidateEphemeralResourceConfig", &req.type_name);
        let e = entry_or_return!(
            self.ephemerals,
            req.type_name,
            "ephemeral resource",
            R::default()
        );
        let config = value_or_return!(req.config, &e.ty, "configuration", R::default());
        let d = e.imp.validate(&config).await;
        let mut r = R::default();
        finish(
            "ValidateEphemeralResourceConfig",
            &req.type_name,
            &d,
            &mut r.diagnostics,
        );
        ok(r)
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<proto::open_ephemeral_resource::Request>,
    ) -> RpcResult<proto::open_ephemeral_resource::Response> {
        type R = proto::open_ephemeral_resource::Response;
        let req = req.into_inner();
        start("OpenEphemeralResource", &req.type_name);
        let e = entry_or_return!(
            self.ephemerals,
            req.type_name,
            "ephemeral resource",
            R::default()
        );
        let config = value_or_return!(req.config, &e.ty, "configuration", R::default());
        let resp = e.imp.open(&config).await;
        let mut r = R {
            renew_at: timestamp(resp.renew_at),
            private: (!resp.private.is_empty()).then_some(resp.private),
            ..R::default()
        };
        match encode(&resp.result, &e.ty) {
            Ok(v) => r.result = Some(v),
            Err(err) => r.diagnostics.push(encode_error("ephemeral result", &err)),
        }
        finish(
            "OpenEphemeralResource",
            &req.type_name,
            &resp.diagnostics,
            &mut r.diagnostics,
        );
        ok(r)
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<proto::renew_ephemeral_resource::Request>,
    ) -> RpcResult<proto::renew_ephemeral_resource::Response> {
        type R = proto::renew_ephemeral_resource::Response;
        let req = req.into_inner();
        start("RenewEphemeralResource", &req.type_name);
        let e = entry_or_return!(
            self.ephemerals,
            req.type_name,
            "ephemeral resource",
            R::default()
        );
        let resp = e
            .imp
            .renew(req.private.as_deref().unwrap_or_default())
            .await;
        let mut r = R {
            renew_at: timestamp(resp.renew_at),
            private: (!resp.private.is_empty()).then_some(resp.private),
            ..R::default()
        };
        finish(
            "RenewEphemeralResource",
            &req.type_name,
            &resp.diagnostics,
            &mut r.diagnostics,
        );
        ok(r)
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<proto::close_ephemeral_resource::Request>,
    ) -> RpcResult<proto::close_ephemeral_resource::Response> {
        type R = proto::close_ephemeral_resource::Response;
        let req = req.into_inner();
        start("CloseEphemeralResource", &req.type_name);
        let e = entry_or_return!(
            self.ephemerals,
            req.type_name,
            "ephemeral resource",
            R::default()
        );
        let d = e
            .imp
            .close(req.private.as_deref().unwrap_or_default())
            .await;
        let mut r = R::default();
        finish(
            "CloseEphemeralResource",
            &req.type_name,
            &d,
            &mut r.diagnostics,
        );
        ok(r)
    }

    async fn get_functions(
        &self,
        _req: Request<proto::get_functions::Request>,
    ) -> RpcResult<proto::get_functions::Response> {
        start("GetFunctions", "");
        ok(Default::default())
    }

    async fn call_function(
        &self,
        req: Request<proto::call_function::Request>,
    ) -> RpcResult<proto::call_function::Response> {
        let req = req.into_inner();
        start("CallFunction", &req.name);
        ok(proto::call_function::Response {
            result: None,
            error: Some(proto::FunctionError {
                text: format!("This provider defines no function named \"{}\".", req.name),
                function_argument: None,
            }),
        })
    }

    async fn stop_provider(
        &self,
        _req: Request<proto::stop_provider::Request>,
    ) -> RpcResult<proto::stop_provider::Response> {
        start("StopProvider", "");
        let error = self.provider.stop().await.err().unwrap_or_default();
        ok(proto::stop_provider::Response { error })
    }
}
