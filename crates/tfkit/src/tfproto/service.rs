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
//! - Function signatures go out in GetProviderSchema (Terraform reads them there)
//!   and in GetFunctions. CallFunction needs no configuration; it checks the
//!   argument count, refuses a null argument by position, and answers an unknown
//!   result when an argument is not wholly known, without calling the function.
//! - Resource identity and moves are not offered: empty answers or an error
//!   diagnostic.

use std::collections::HashMap;
use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::codec::{self, CodecError};
use super::convert;
use super::proto;
use super::{
    ApplyRequest, ClientInfo, DataSource, Diagnostic, Diagnostics, EphemeralResource, Function,
    FunctionError, PlanRequest, Provider, ReadRequest, Resource, Schema, Severity, Signature, Type,
    Value,
};

/// Problems answering a request: they become the response's diagnostics.
type Refusal = Vec<proto::Diagnostic>;

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

/// The types of one kind (resources, data sources or ephemeral resources) by name.
struct Registry<T: ?Sized> {
    /// "resource", "data source", "ephemeral resource": for messages.
    kind: &'static str,
    entries: HashMap<&'static str, Entry<T>>,
}

impl<T: ?Sized> Registry<T> {
    /// The type `name`, or an "unknown type" refusal.
    fn get(&self, name: &str) -> Result<&Entry<T>, Refusal> {
        self.entries.get(name).ok_or_else(|| {
            log_debug!(
                "tfproto",
                "unknown type name",
                kind = self.kind,
                type_name = name
            );
            vec![convert::diagnostic(&error_diag(
                &format!("Unknown {} type", self.kind),
                format!("This provider has no {} type named \"{name}\".", self.kind),
                None,
            ))]
        })
    }
}

/// What every kind of type has: a name, a schema and static checks.
#[async_trait::async_trait]
trait Kind: Send + Sync {
    fn describe(&self) -> (&'static str, Schema);
    async fn check(&self, config: &Value) -> Diagnostics;
}

macro_rules! kinds {
    ($($t:ident),*) => {$(
        #[async_trait::async_trait]
        impl Kind for dyn $t {
            fn describe(&self) -> (&'static str, Schema) {
                (self.type_name(), self.schema())
            }
            async fn check(&self, config: &Value) -> Diagnostics {
                self.validate(config).await
            }
        }
    )*};
}
kinds!(Resource, DataSource, EphemeralResource);

/// Implements `tfplugin6.Provider` for a [`Provider`].
pub struct ProviderService<P> {
    provider: P,
    provider_ty: Type,
    resources: Registry<dyn Resource>,
    data_sources: Registry<dyn DataSource>,
    ephemerals: Registry<dyn EphemeralResource>,
    functions: HashMap<&'static str, (Arc<dyn Function>, Signature)>,
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
        let s = &mut schema_response;
        let m = &mut metadata_response;
        let resources = register(
            "resource",
            provider.resources(),
            (&mut s.resource_schemas, &mut m.resources),
            |type_name| proto::get_metadata::ResourceMetadata { type_name },
        );
        let data_sources = register(
            "data source",
            provider.data_sources(),
            (&mut s.data_source_schemas, &mut m.data_sources),
            |type_name| proto::get_metadata::DataSourceMetadata { type_name },
        );
        let ephemerals = register(
            "ephemeral resource",
            provider.ephemeral_resources(),
            (
                &mut s.ephemeral_resource_schemas,
                &mut m.ephemeral_resources,
            ),
            |type_name| proto::get_metadata::EphemeralMetadata { type_name },
        );

        let mut functions = HashMap::new();
        for f in provider.functions() {
            let signature = f.signature();
            s.functions
                .insert(f.name().to_string(), convert::function(&signature));
            m.functions.push(proto::get_metadata::FunctionMetadata {
                name: f.name().to_string(),
            });
            functions.insert(f.name(), (f, signature));
        }

        ProviderService {
            provider_ty: provider_schema.object_type(),
            provider,
            resources,
            data_sources,
            ephemerals,
            functions,
            schema_response,
            metadata_response,
        }
    }
}

/// Registers one kind of type: each one's converted schema goes into the
/// schema response and its name into the metadata (in the provider's order).
fn register<T: ?Sized + Kind, M>(
    kind: &'static str,
    items: Vec<Arc<T>>,
    (schemas, metadata): (&mut HashMap<String, proto::Schema>, &mut Vec<M>),
    metadata_entry: impl Fn(String) -> M,
) -> Registry<T> {
    let mut entries = HashMap::new();
    for imp in items {
        let (name, schema) = imp.describe();
        schemas.insert(name.to_string(), convert::schema(&schema));
        metadata.push(metadata_entry(name.to_string()));
        let (version, ty) = (schema.version, schema.object_type());
        entries.insert(name, Entry { imp, version, ty });
    }
    Registry { kind, entries }
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

/// A request value, or a refusal naming `what` could not be read.
fn decode_as(dv: &Option<proto::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Refusal> {
    decode(dv.as_ref(), ty).map_err(|e| decode_error(what, &e))
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
fn decode_error(what: &str, e: &CodecError) -> Refusal {
    vec![convert::diagnostic(&error_diag(
        &format!("Invalid {what}"),
        format!("The provider could not decode the {what} sent by Terraform: {e}."),
        Some(e),
    ))]
}

/// `v` encoded for the wire; when the provider produced a value its schema
/// cannot carry (a provider bug), an error diagnostic in `diags` and `fallback`
/// instead (the request's own state where keeping it stops Terraform losing
/// the object).
fn encode_or(
    v: &Value,
    ty: &Type,
    what: &str,
    fallback: Option<proto::DynamicValue>,
    diags: &mut Vec<proto::Diagnostic>,
) -> Option<proto::DynamicValue> {
    match encode(v, ty) {
        Ok(v) => Some(v),
        Err(err) => {
            diags.push(encode_error(what, &err));
            fallback
        }
    }
}

fn encode_error(what: &str, e: &CodecError) -> proto::Diagnostic {
    convert::diagnostic(&error_diag(
        &format!("Provider produced an invalid {what}"),
        format!("{e}. This is a bug in the provider; please report it."),
        Some(e),
    ))
}

fn unsupported(summary: &str, detail: &str) -> Refusal {
    vec![convert::diagnostic(&error_diag(
        summary,
        detail.to_string(),
        None,
    ))]
}

/// A response of an RPC that carries diagnostics.
trait Reply: Default {
    fn diagnostics(&mut self) -> &mut Vec<proto::Diagnostic>;
}

macro_rules! replies {
    ($($rpc:ident),*) => {$(
        impl Reply for proto::$rpc::Response {
            fn diagnostics(&mut self) -> &mut Vec<proto::Diagnostic> {
                &mut self.diagnostics
            }
        }
    )*};
}
replies!(
    validate_provider_config,
    validate_resource_config,
    validate_data_resource_config,
    upgrade_resource_state,
    configure_provider,
    read_resource,
    plan_resource_change,
    apply_resource_change,
    import_resource_state,
    read_data_source,
    validate_ephemeral_resource_config,
    open_ephemeral_resource,
    renew_ephemeral_resource,
    close_ephemeral_resource
);

/// The response: the one built, or an empty one carrying the refusal.
fn answer<R: Reply>(r: Result<R, Refusal>) -> RpcResult<R> {
    ok(r.unwrap_or_else(|refusal| {
        let mut r = R::default();
        *r.diagnostics() = refusal;
        r
    }))
}

/// One RPC being answered: its name and type name, logged when it starts and,
/// if it returns errors, when it ends.
struct Call {
    rpc: &'static str,
    type_name: String,
}

fn start(rpc: &'static str, type_name: &str) -> Call {
    log_trace!("tfproto", "rpc", rpc = rpc, type_name = type_name);
    Call {
        rpc,
        type_name: type_name.to_string(),
    }
}

impl Call {
    /// `r` with the provider's diagnostics `d` appended, the end of the call logged.
    fn reply<R: Reply>(&self, mut r: R, d: &Diagnostics) -> Result<R, Refusal> {
        let out = r.diagnostics();
        out.extend(convert::diagnostics(d));
        // An error diagnostic fails the run: each is logged at ERROR, so
        // TF_LOG=ERROR shows why (diagnostics never hold a secret).
        for e in out
            .iter()
            .filter(|d| d.severity == proto::diagnostic::Severity::Error as i32)
        {
            log_error!(
                "tfproto",
                "rpc returned an error",
                rpc = self.rpc,
                type_name = self.type_name,
                summary = e.summary,
                detail = e.detail
            );
        }
        Ok(r)
    }
}

/// ValidateResourceConfig, ValidateDataResourceConfig and
/// ValidateEphemeralResourceConfig: the type's static checks of its block.
async fn validate<T: ?Sized + Kind, R: Reply>(
    rpc: &'static str,
    registry: &Registry<T>,
    type_name: &str,
    config: &Option<proto::DynamicValue>,
    what: &str,
) -> RpcResult<R> {
    let call = start(rpc, type_name);
    let e = match registry.get(type_name) {
        Ok(e) => e,
        Err(refusal) => return answer(Err(refusal)),
    };
    answer(match decode_as(config, &e.ty, what) {
        Ok(config) => call.reply(R::default(), &e.imp.check(&config).await),
        Err(refusal) => Err(refusal),
    })
}

/// The body of an RPC on one type: `$req` is the request's message, `$call`
/// the call being answered; a `?` on a refusal answers with it.
macro_rules! on_type {
    ($req:ident, $rpc:literal, $call:ident, $body:block) => {{
        let $req = $req.into_inner();
        let $call = start($rpc, &$req.type_name);
        answer(async move { $body }.await)
    }};
}

fn timestamp(unix: Option<u64>) -> Option<prost_types::Timestamp> {
    unix.map(|s| prost_types::Timestamp {
        seconds: i64::try_from(s).unwrap_or(i64::MAX),
        nanos: 0,
    })
}

/// Private data for the wire: none when empty.
fn private(p: Vec<u8>) -> Option<Vec<u8>> {
    (!p.is_empty()).then_some(p)
}

fn ok<T>(t: T) -> RpcResult<T> {
    Ok(Response::new(t))
}

/// Decodes the arguments of a call against `sig` and calls `f`. Positions in
/// errors are zero-based on the wire; Terraform shows them as the argument at fault.
fn call(
    f: &dyn Function,
    sig: &Signature,
    args: &[proto::DynamicValue],
) -> Result<Value, FunctionError> {
    if args.len() != sig.parameters.len() {
        return Err(FunctionError::general(format!(
            "{} takes {} argument(s); {} were given.",
            f.name(),
            sig.parameters.len(),
            args.len()
        )));
    }
    let mut values = Vec::with_capacity(args.len());
    for (i, (dv, p)) in args.iter().zip(&sig.parameters).enumerate() {
        // The codec's message names a path inside the value, never the value.
        let v = decode(Some(dv), &p.ty).map_err(|e| {
            FunctionError::argument(i, format!("Argument `{}` could not be read: {e}.", p.name))
        })?;
        if v.is_null() {
            return Err(FunctionError::argument(
                i,
                format!("Argument `{}` must not be null.", p.name),
            ));
        }
        values.push(v);
    }
    // Terraform does not send unknown values to parameters that refuse them; should
    // one arrive anyway, the result is simply not known yet.
    if !values.iter().all(Value::is_wholly_known) {
        return Ok(Value::Unknown);
    }
    f.call(&values)
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
        let call = start("ValidateProviderConfig", "");
        let config = req.into_inner().config;
        answer(
            match decode_as(&config, &self.provider_ty, "provider configuration") {
                Ok(config) => {
                    call.reply(Default::default(), &self.provider.validate(&config).await)
                }
                Err(refusal) => Err(refusal),
            },
        )
    }

    async fn validate_resource_config(
        &self,
        req: Request<proto::validate_resource_config::Request>,
    ) -> RpcResult<proto::validate_resource_config::Response> {
        let req = req.into_inner();
        let (rpc, what) = ("ValidateResourceConfig", "resource configuration");
        validate(rpc, &self.resources, &req.type_name, &req.config, what).await
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<proto::validate_data_resource_config::Request>,
    ) -> RpcResult<proto::validate_data_resource_config::Response> {
        let req = req.into_inner();
        let (rpc, what) = ("ValidateDataResourceConfig", "data source configuration");
        validate(rpc, &self.data_sources, &req.type_name, &req.config, what).await
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<proto::upgrade_resource_state::Request>,
    ) -> RpcResult<proto::upgrade_resource_state::Response> {
        let req = req.into_inner();
        let call = start("UpgradeResourceState", &req.type_name);
        let e = match self.resources.get(&req.type_name) {
            Ok(e) => e,
            Err(refusal) => return answer(Err(refusal)),
        };
        let raw = req.raw_state.unwrap_or_default();
        if raw.json.is_empty() && !raw.flatmap.is_empty() {
            return answer(Err(unsupported(
                "Unsupported state format",
                "The stored state is in the legacy flatmap format, which this provider cannot read.",
            )));
        }
        if req.version > e.version {
            return answer(Err(unsupported(
                "State written by a newer provider",
                &format!(
                    "The stored state of this {} has schema version {}, but this provider \
                     only knows versions up to {}. Use the newer provider version.",
                    req.type_name, req.version, e.version
                ),
            )));
        }
        let mut state = if raw.json.is_empty() {
            Value::Null
        } else {
            match codec::decode_json(&raw.json, &e.ty) {
                Ok(v) => v,
                Err(err) => return answer(Err(decode_error("stored state", &err))),
            }
        };
        let mut d = Diagnostics::new();
        if req.version < e.version {
            (state, d) = e.imp.upgrade(req.version, state).await;
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
        let mut r = proto::upgrade_resource_state::Response::default();
        r.upgraded_state = encode_or(&state, &e.ty, "upgraded state", None, &mut r.diagnostics);
        answer(call.reply(r, &d))
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
        let call = start("ConfigureProvider", "");
        let req = req.into_inner();
        let config = match decode_as(&req.config, &self.provider_ty, "provider configuration") {
            Ok(config) => config,
            Err(refusal) => return answer(Err(refusal)),
        };
        let client = ClientInfo {
            terraform_version: req.terraform_version,
            deferral_allowed: req.client_capabilities.is_some_and(|c| c.deferral_allowed),
        };
        let d = self.provider.configure(&config, &client).await;
        answer(call.reply(Default::default(), &d))
    }

    async fn read_resource(
        &self,
        req: Request<proto::read_resource::Request>,
    ) -> RpcResult<proto::read_resource::Response> {
        on_type!(req, "ReadResource", call, {
            let e = self.resources.get(&req.type_name)?;
            let current_state = decode_as(&req.current_state, &e.ty, "current state")?;
            let private = req.private;
            let resp = e
                .imp
                .read(ReadRequest {
                    current_state,
                    private,
                })
                .await;
            let mut r = proto::read_resource::Response {
                private: resp.private,
                ..Default::default()
            };
            // On failure, keep the object in state rather than dropping it.
            let kept = req.current_state;
            r.new_state = encode_or(&resp.new_state, &e.ty, "state", kept, &mut r.diagnostics);
            call.reply(r, &resp.diagnostics)
        })
    }

    async fn plan_resource_change(
        &self,
        req: Request<proto::plan_resource_change::Request>,
    ) -> RpcResult<proto::plan_resource_change::Response> {
        on_type!(req, "PlanResourceChange", call, {
            let e = self.resources.get(&req.type_name)?;
            let prior_state = decode_as(&req.prior_state, &e.ty, "prior state")?;
            let proposed = decode_as(&req.proposed_new_state, &e.ty, "proposed new state")?;
            if prior_state.is_null() && proposed.is_null() {
                return Ok(proto::plan_resource_change::Response {
                    planned_state: Some(encode(&Value::Null, &e.ty).unwrap_or_default()),
                    planned_private: req.prior_private,
                    ..Default::default()
                });
            }
            let config = decode_as(&req.config, &e.ty, "configuration")?;
            let destroy = proposed.is_null();
            let resp = e
                .imp
                .plan(PlanRequest {
                    prior_state,
                    proposed_new_state: proposed,
                    config,
                    prior_private: req.prior_private,
                })
                .await;
            let mut r = proto::plan_resource_change::Response {
                planned_private: resp.planned_private,
                ..Default::default()
            };
            // A destroy plans null, whatever the resource answered.
            let planned = if destroy {
                Value::Null
            } else {
                r.requires_replace = resp.requires_replace.iter().map(convert::path).collect();
                resp.planned_state
            };
            r.planned_state = encode_or(&planned, &e.ty, "planned state", None, &mut r.diagnostics);
            call.reply(r, &resp.diagnostics)
        })
    }

    async fn apply_resource_change(
        &self,
        req: Request<proto::apply_resource_change::Request>,
    ) -> RpcResult<proto::apply_resource_change::Response> {
        on_type!(req, "ApplyResourceChange", call, {
            let e = self.resources.get(&req.type_name)?;
            let resp = e
                .imp
                .apply(ApplyRequest {
                    prior_state: decode_as(&req.prior_state, &e.ty, "prior state")?,
                    planned_state: decode_as(&req.planned_state, &e.ty, "planned state")?,
                    config: decode_as(&req.config, &e.ty, "configuration")?,
                    planned_private: req.planned_private,
                })
                .await;
            let mut r = proto::apply_resource_change::Response {
                private: resp.private,
                ..Default::default()
            };
            // On failure, keep the prior object so Terraform does not forget it.
            let kept = req.prior_state;
            r.new_state = encode_or(
                &resp.new_state,
                &e.ty,
                "new state",
                kept,
                &mut r.diagnostics,
            );
            call.reply(r, &resp.diagnostics)
        })
    }

    async fn import_resource_state(
        &self,
        req: Request<proto::import_resource_state::Request>,
    ) -> RpcResult<proto::import_resource_state::Response> {
        on_type!(req, "ImportResourceState", call, {
            let e = self.resources.get(&req.type_name)?;
            let resp = e.imp.import(&req.id).await;
            let mut r = proto::import_resource_state::Response::default();
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
            call.reply(r, &resp.diagnostics)
        })
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
        on_type!(req, "ReadDataSource", call, {
            let e = self.data_sources.get(&req.type_name)?;
            let config = decode_as(&req.config, &e.ty, "configuration")?;
            let (state, d) = e.imp.read(&config).await;
            let mut r = proto::read_data_source::Response::default();
            r.state = encode_or(&state, &e.ty, "data source state", None, &mut r.diagnostics);
            call.reply(r, &d)
        })
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<proto::validate_ephemeral_resource_config::Request>,
    ) -> RpcResult<proto::validate_ephemeral_resource_config::Response> {
        let req = req.into_inner();
        let (rpc, what) = ("ValidateEphemeralResourceConfig", "configuration");
        validate(rpc, &self.ephemerals, &req.type_name, &req.config, what).await
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<proto::open_ephemeral_resource::Request>,
    ) -> RpcResult<proto::open_ephemeral_resource::Response> {
        on_type!(req, "OpenEphemeralResource", call, {
            let e = self.ephemerals.get(&req.type_name)?;
            let config = decode_as(&req.config, &e.ty, "configuration")?;
            let resp = e.imp.open(&config).await;
            let mut r = proto::open_ephemeral_resource::Response {
                renew_at: timestamp(resp.renew_at),
                private: private(resp.private),
                ..Default::default()
            };
            let what = "ephemeral result";
            r.result = encode_or(&resp.result, &e.ty, what, None, &mut r.diagnostics);
            call.reply(r, &resp.diagnostics)
        })
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<proto::renew_ephemeral_resource::Request>,
    ) -> RpcResult<proto::renew_ephemeral_resource::Response> {
        on_type!(req, "RenewEphemeralResource", call, {
            let e = self.ephemerals.get(&req.type_name)?;
            let resp = e.imp.renew(&req.private.unwrap_or_default()).await;
            let r = proto::renew_ephemeral_resource::Response {
                renew_at: timestamp(resp.renew_at),
                private: private(resp.private),
                ..Default::default()
            };
            call.reply(r, &resp.diagnostics)
        })
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<proto::close_ephemeral_resource::Request>,
    ) -> RpcResult<proto::close_ephemeral_resource::Response> {
        on_type!(req, "CloseEphemeralResource", call, {
            let e = self.ephemerals.get(&req.type_name)?;
            let d = e.imp.close(&req.private.unwrap_or_default()).await;
            call.reply(Default::default(), &d)
        })
    }

    async fn get_functions(
        &self,
        _req: Request<proto::get_functions::Request>,
    ) -> RpcResult<proto::get_functions::Response> {
        start("GetFunctions", "");
        ok(proto::get_functions::Response {
            functions: self.schema_response.functions.clone(),
            diagnostics: Vec::new(),
        })
    }

    async fn call_function(
        &self,
        req: Request<proto::call_function::Request>,
    ) -> RpcResult<proto::call_function::Response> {
        let req = req.into_inner();
        start("CallFunction", &req.name);
        let (result, error) = match self.functions.get(req.name.as_str()) {
            None => (
                None,
                Some(FunctionError::general(format!(
                    "This provider defines no function named \"{}\".",
                    req.name
                ))),
            ),
            Some((f, sig)) => match call(f.as_ref(), sig, &req.arguments) {
                Ok(v) => match encode(&v, &sig.returns) {
                    Ok(dv) => (Some(dv), None),
                    Err(e) => (
                        None,
                        Some(FunctionError::general(format!(
                            "The function produced an invalid result: {e}. This is a bug in \
                             the provider; please report it."
                        ))),
                    ),
                },
                Err(e) => (None, Some(e)),
            },
        };
        if let Some(e) = &error {
            log_debug!(
                "tfproto",
                "function returned an error",
                function = req.name,
                argument = e.argument.map_or(-1, |i| i as i64)
            );
        }
        ok(proto::call_function::Response {
            result,
            error: error.as_ref().map(convert::function_error),
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

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
