//! Tests of the tfplugin6 service (`service.rs`), kept beside it in their own file.

use super::*;
use crate::tfproto::{
    ApplyResponse, Attribute, ImportResponse, OpenResponse, PathStep, PlanResponse, ReadResponse,
};
use proto::provider_client::ProviderClient;
use std::sync::Mutex;
use tonic::transport::Channel;

// A small provider exercising every trait method the service calls.

struct TestProvider {
    client: Arc<Mutex<Option<ClientInfo>>>,
}

#[async_trait::async_trait]
impl Provider for TestProvider {
    fn schema(&self) -> Schema {
        Schema::new(
            "Test provider.",
            vec![Attribute::optional("endpoint", Type::String, "Where.")],
        )
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Thing)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(Info)]
    }
    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource>> {
        vec![Arc::new(Token)]
    }
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![Arc::new(Greet)]
    }
    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if config.get("endpoint").as_str() == Some("") {
            d.attr_error("endpoint", "Empty endpoint", "");
        }
        d
    }
    async fn configure(&self, config: &Value, client: &ClientInfo) -> Diagnostics {
        assert_eq!(config.get("endpoint").as_str(), Some("http://x"));
        *self.client.lock().unwrap() = Some(client.clone());
        Diagnostics::new()
    }
    async fn stop(&self) -> Result<(), String> {
        Err("busy".into())
    }
}

struct Thing;

fn thing_schema() -> Schema {
    let mut s = Schema::new(
        "A thing.",
        vec![
            Attribute::computed("id", Type::String, "ID."),
            Attribute::required("name", Type::String, "Name."),
            Attribute::optional("size", Type::Number, "Size."),
            Attribute::optional("tags", Type::List(Box::new(Type::String)), "Tags."),
            Attribute::optional("secret", Type::String, "Secret.").sensitive(),
        ],
    );
    s.version = 1;
    s
}

#[async_trait::async_trait]
impl Resource for Thing {
    fn type_name(&self) -> &'static str {
        "test_thing"
    }
    fn schema(&self) -> Schema {
        thing_schema()
    }
    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if config.get("name").as_str() == Some("") {
            d.attr_error("name", "Empty name", "A name is required.");
        }
        d
    }
    async fn read(&self, req: ReadRequest) -> ReadResponse {
        let name = req.current_state.get("name").as_str().unwrap_or("");
        let new_state = if name == "gone" {
            Value::Null
        } else {
            let mut s = req.current_state.clone();
            s.set("id", Value::string(format!("read:{name}")));
            s
        };
        ReadResponse {
            new_state,
            private: [req.private, b"+r".to_vec()].concat(),
            diagnostics: Diagnostics::new(),
        }
    }
    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        let mut d = Diagnostics::new();
        let mut replace = Vec::new();
        let mut planned = req.proposed_new_state.clone();
        if req.proposed_new_state.is_null() {
            d.warning("Destroying", "the thing goes away");
            // Deliberately not null: the service must null it for a destroy.
            planned = req.prior_state.clone();
        } else if req.prior_state.is_null() {
            planned.set("id", Value::Unknown);
        } else if req.prior_state.get("name") != req.proposed_new_state.get("name") {
            replace.push(crate::tfproto::AttrPath::attr("name"));
            planned.set("id", Value::Unknown);
        }
        PlanResponse {
            planned_state: planned,
            requires_replace: replace,
            planned_private: b"plan".to_vec(),
            diagnostics: d,
        }
    }
    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        let mut s = req.planned_state.clone();
        if !s.is_null() {
            let id = format!("id-{}", s.get("name").as_str().unwrap_or(""));
            s.set("id", Value::string(id));
        }
        if s.get("name").as_str() == Some("bad") {
            s.set("not_in_schema", Value::Bool(true));
        }
        ApplyResponse {
            new_state: s,
            private: req.planned_private,
            diagnostics: Diagnostics::new(),
        }
    }
    async fn import(&self, id: &str) -> ImportResponse {
        ImportResponse {
            states: vec![Value::object([
                ("id", Value::string(id)),
                ("name", Value::string(id)),
            ])],
            diagnostics: Diagnostics::new(),
        }
    }
    async fn upgrade(&self, version: i64, mut state: Value) -> (Value, Diagnostics) {
        assert_eq!(version, 0);
        let title = state.get("title").clone();
        state.set("name", title);
        (state, Diagnostics::new())
    }
}

struct Info;

#[async_trait::async_trait]
impl DataSource for Info {
    fn type_name(&self) -> &'static str {
        "test_info"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            "Info.",
            vec![
                Attribute::required("key", Type::String, "Key."),
                Attribute::computed("value", Type::String, "Value."),
            ],
        )
    }
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn read(&self, config: &Value) -> (Value, Diagnostics) {
        let mut s = config.clone();
        s.set("value", Value::string("info"));
        (s, Diagnostics::new())
    }
}

struct Token;

#[async_trait::async_trait]
impl EphemeralResource for Token {
    fn type_name(&self) -> &'static str {
        "test_token"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            "Token.",
            vec![Attribute::computed("token", Type::String, "T.").sensitive()],
        )
    }
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn open(&self, _config: &Value) -> OpenResponse {
        OpenResponse {
            result: Value::object([("token", Value::string("t0k"))]),
            private: b"p".to_vec(),
            renew_at: Some(1_900_000_000),
            diagnostics: Diagnostics::new(),
        }
    }
    async fn close(&self, private: &[u8]) -> Diagnostics {
        let mut d = Diagnostics::new();
        if private != b"p" {
            d.error("wrong private", "");
        }
        d
    }
}

/// `greet(name string) -> {greeting string, length number}`; an empty name is
/// an error on argument 0, and the name "bug" yields a result of the wrong type.
struct Greet;

fn greet_ty() -> Type {
    Type::Object(vec![
        ("greeting".into(), Type::String),
        ("length".into(), Type::Number),
    ])
}

impl Function for Greet {
    fn name(&self) -> &'static str {
        "greet"
    }
    fn signature(&self) -> Signature {
        Signature {
            summary: "Greets.".into(),
            description: "Greets `name`.".into(),
            parameters: vec![crate::tfproto::Parameter::new("name", Type::String, "Who.")],
            returns: greet_ty(),
        }
    }
    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let name = args[0].as_str().unwrap();
        match name {
            "" => Err(FunctionError::argument(0, "name is empty")),
            "bug" => Ok(Value::object([("length", Value::string("x"))])),
            _ => Ok(Value::object([
                ("greeting", Value::string(format!("hi {name}"))),
                ("length", Value::Number(name.len() as f64)),
            ])),
        }
    }
}

// Harness: the real generated server on a loopback port, the generated client.

/// `h.method(request)` over gRPC: the response, which must arrive.
macro_rules! rpc {
    ($h:ident . $m:ident ( $req:expr )) => {
        $h.client.$m($req).await.unwrap().into_inner()
    };
}

struct Harness {
    client: ProviderClient<Channel>,
    seen: Arc<Mutex<Option<ClientInfo>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn start() -> Harness {
    let seen = Arc::new(Mutex::new(None));
    let svc = server(TestProvider {
        client: seen.clone(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(svc)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    let client = ProviderClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    Harness {
        client,
        seen,
        server,
    }
}

fn thing_ty() -> Type {
    thing_schema().object_type()
}

fn dv(v: &Value, ty: &Type) -> Option<proto::DynamicValue> {
    Some(encode(v, ty).unwrap())
}

fn value(d: Option<proto::DynamicValue>, ty: &Type) -> Value {
    codec::decode_msgpack(&d.expect("a value").msgpack, ty).unwrap()
}

fn errors(d: &[proto::Diagnostic]) -> Vec<String> {
    d.iter()
        .filter(|d| d.severity == proto::diagnostic::Severity::Error as i32)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

#[tokio::test]
async fn schema_and_metadata_over_grpc() {
    let mut h = start().await;
    let s = rpc!(h.get_provider_schema(proto::get_provider_schema::Request {}));
    let caps = s.server_capabilities.unwrap();
    assert!(caps.plan_destroy && !caps.get_provider_schema_optional);
    assert!(s.diagnostics.is_empty());
    let thing = &s.resource_schemas["test_thing"];
    assert_eq!(thing.version, 1);
    let attrs = &thing.block.as_ref().unwrap().attributes;
    let tags = attrs.iter().find(|a| a.name == "tags").unwrap();
    assert_eq!(tags.r#type, br#"["list","string"]"#);
    assert!(attrs.iter().find(|a| a.name == "secret").unwrap().sensitive);
    assert!(s.data_source_schemas.contains_key("test_info"));
    assert!(s.ephemeral_resource_schemas.contains_key("test_token"));
    let p = s.provider.unwrap().block.unwrap();
    assert_eq!(p.attributes[0].name, "endpoint");
    assert_eq!(p.description_kind, proto::StringKind::Markdown as i32);

    let m = rpc!(h.get_metadata(proto::get_metadata::Request {}));
    assert_eq!(m.resources[0].type_name, "test_thing");
    assert_eq!(m.data_sources[0].type_name, "test_info");
    assert_eq!(m.ephemeral_resources[0].type_name, "test_token");
    assert_eq!(m.functions[0].name, "greet");
    assert!(m.server_capabilities.unwrap().plan_destroy);

    // Functions: Terraform reads signatures from the schema; GetFunctions agrees.
    let f = &s.functions["greet"];
    assert_eq!(f.parameters.len(), 1);
    assert_eq!(f.parameters[0].name, "name");
    assert_eq!(f.parameters[0].r#type, br#""string""#);
    assert!(!f.parameters[0].allow_null_value && !f.parameters[0].allow_unknown_values);
    assert_eq!(
        f.r#return.as_ref().unwrap().r#type,
        br#"["object",{"greeting":"string","length":"number"}]"#
    );
    assert_eq!(f.summary, "Greets.");
    let g = rpc!(h.get_functions(proto::get_functions::Request {}));
    assert_eq!(g.functions, s.functions);
}

#[tokio::test]
async fn read_resource_with_hand_made_msgpack() {
    let mut h = start().await;
    // {"id": nil, "name": "ab", "size": 2, "tags": ["x"], "secret": unknown}
    let mut raw = vec![0x85, 0xa2, b'i', b'd', 0xc0, 0xa4, b'n', b'a', b'm', b'e'];
    raw.extend_from_slice(&[0xa2, b'a', b'b', 0xa4, b's', b'i', b'z', b'e', 0x02]);
    raw.extend_from_slice(&[0xa4, b't', b'a', b'g', b's', 0x91, 0xa1, b'x']);
    raw.extend_from_slice(&[0xa6, b's', b'e', b'c', b'r', b'e', b't', 0xd4, 0, 0]);
    let r = rpc!(h.read_resource(proto::read_resource::Request {
        type_name: "test_thing".into(),
        current_state: Some(proto::DynamicValue {
            msgpack: raw,
            json: vec![],
        }),
        private: b"prev".to_vec(),
        ..Default::default()
    }));
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.private, b"prev+r");
    let v = value(r.new_state, &thing_ty());
    assert_eq!(v.get("id").as_str(), Some("read:ab"));
    assert_eq!(v.get("size"), &Value::Number(2.0));
    assert_eq!(v.get("tags"), &Value::List(vec![Value::string("x")]));
    assert!(v.get("secret").is_unknown());

    // A resource that reports itself gone answers a null state.
    let gone = Value::object([("name", Value::string("gone"))]);
    let r = rpc!(h.read_resource(proto::read_resource::Request {
        type_name: "test_thing".into(),
        current_state: dv(&gone, &thing_ty()),
        ..Default::default()
    }));
    assert_eq!(r.new_state.unwrap().msgpack, vec![0xc0]);
}

#[tokio::test]
async fn unknown_type_names_and_bad_values_are_diagnostics() {
    let mut h = start().await;
    let r = rpc!(h.read_resource(proto::read_resource::Request {
        type_name: "test_nope".into(),
        ..Default::default()
    }));
    let e = errors(&r.diagnostics);
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("\"test_nope\""), "{e:?}");
    assert!(r.new_state.is_none());

    let r = rpc!(h.read_data_source(proto::read_data_source::Request {
        type_name: "test_thing".into(), // a resource, not a data source
        ..Default::default()
    }));
    assert!(errors(&r.diagnostics)[0].contains("data source type named \"test_thing\""));

    let r = rpc!(
        h.open_ephemeral_resource(proto::open_ephemeral_resource::Request {
            type_name: "test_x".into(),
            ..Default::default()
        })
    );
    assert!(errors(&r.diagnostics)[0].contains("test_x"));

    // Garbage MessagePack: an error diagnostic, not a gRPC failure.
    let r = rpc!(
        h.validate_resource_config(proto::validate_resource_config::Request {
            type_name: "test_thing".into(),
            config: Some(proto::DynamicValue {
                msgpack: vec![0x85, 0xa2, b'i'],
                json: vec![],
            }),
            client_capabilities: None,
        })
    );
    let e = errors(&r.diagnostics);
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("Invalid resource configuration"), "{e:?}");
}

#[tokio::test]
async fn validation_diagnostics_carry_attribute_paths() {
    let mut h = start().await;
    let config = Value::object([("name", Value::string(""))]);
    let r = rpc!(
        h.validate_resource_config(proto::validate_resource_config::Request {
            type_name: "test_thing".into(),
            config: dv(&config, &thing_ty()),
            client_capabilities: None,
        })
    );
    assert_eq!(r.diagnostics.len(), 1);
    let steps = &r.diagnostics[0].attribute.as_ref().unwrap().steps;
    assert_eq!(
        steps[0].selector,
        Some(proto::attribute_path::step::Selector::AttributeName(
            "name".into()
        ))
    );
}

#[tokio::test]
async fn configure_passes_client_info() {
    let mut h = start().await;
    let pty =
        Schema::new("", vec![Attribute::optional("endpoint", Type::String, "")]).object_type();
    let config = Value::object([("endpoint", Value::string("http://x"))]);
    let r = rpc!(h.configure_provider(proto::configure_provider::Request {
        terraform_version: "1.10.5".into(),
        config: dv(&config, &pty),
        client_capabilities: Some(proto::ClientCapabilities {
            deferral_allowed: true,
            write_only_attributes_allowed: false,
        }),
    }));
    assert!(r.diagnostics.is_empty());
    let seen = h.seen.lock().unwrap().clone().unwrap();
    assert_eq!(seen.terraform_version, "1.10.5");
    assert!(seen.deferral_allowed);

    let bad = Value::object([("endpoint", Value::string(""))]);
    let r = rpc!(
        h.validate_provider_config(proto::validate_provider_config::Request {
            config: dv(&bad, &pty),
        })
    );
    assert_eq!(errors(&r.diagnostics), vec!["Empty endpoint: "]);
}

#[tokio::test]
async fn plan_create_update_destroy_and_noop() {
    let mut h = start().await;
    let ty = thing_ty();
    let plan = |prior: Value, proposed: Value| proto::plan_resource_change::Request {
        type_name: "test_thing".into(),
        prior_state: dv(&prior, &ty),
        proposed_new_state: dv(&proposed, &ty),
        config: dv(&proposed, &ty),
        prior_private: b"pp".to_vec(),
        ..Default::default()
    };
    let a = Value::object([("id", Value::string("1")), ("name", Value::string("a"))]);
    let b = Value::object([("id", Value::string("1")), ("name", Value::string("b"))]);

    // Create: the computed id is unknown in the plan.
    let r = rpc!(h.plan_resource_change(plan(Value::Null, a.clone())));
    let planned = value(r.planned_state, &ty);
    assert!(planned.get("id").is_unknown());
    assert_eq!(planned.get("name").as_str(), Some("a"));
    assert_eq!(r.planned_private, b"plan");

    // Rename: replacement at path `name`.
    let r = rpc!(h.plan_resource_change(plan(a.clone(), b)));
    assert_eq!(r.requires_replace.len(), 1);
    assert_eq!(
        r.requires_replace[0].steps[0].selector,
        Some(proto::attribute_path::step::Selector::AttributeName(
            "name".into()
        ))
    );

    // Destroy: the resource is asked (its warning comes through) and the plan is null.
    let r = rpc!(h.plan_resource_change(plan(a, Value::Null)));
    assert_eq!(r.planned_state.unwrap().msgpack, vec![0xc0]);
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].summary, "Destroying");
    assert!(r.requires_replace.is_empty());

    // Nothing before and nothing after: null, and the resource is not called.
    let r = rpc!(h.plan_resource_change(plan(Value::Null, Value::Null)));
    assert_eq!(r.planned_state.unwrap().msgpack, vec![0xc0]);
    assert_eq!(r.planned_private, b"pp");
    assert!(r.diagnostics.is_empty());
}

#[tokio::test]
async fn apply_create_and_encoding_failure() {
    let mut h = start().await;
    let ty = thing_ty();
    let planned = Value::object([("id", Value::Unknown), ("name", Value::string("a"))]);
    let r = rpc!(
        h.apply_resource_change(proto::apply_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&Value::Null, &ty),
            planned_state: dv(&planned, &ty),
            config: dv(&planned, &ty),
            planned_private: b"x".to_vec(),
            ..Default::default()
        })
    );
    assert!(r.diagnostics.is_empty());
    assert_eq!(r.private, b"x");
    let s = value(r.new_state, &ty);
    assert_eq!(s.get("id").as_str(), Some("id-a"));
    assert!(s.get("size").is_null());

    // The resource returns an attribute outside its schema: error naming the path.
    let prior = Value::object([("id", Value::string("1")), ("name", Value::string("a"))]);
    let bad = Value::object([("id", Value::string("1")), ("name", Value::string("bad"))]);
    let r = rpc!(
        h.apply_resource_change(proto::apply_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&prior, &ty),
            planned_state: dv(&bad, &ty),
            config: dv(&bad, &ty),
            ..Default::default()
        })
    );
    let e = errors(&r.diagnostics);
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("Provider produced an invalid new state"));
    let steps = &r.diagnostics[0].attribute.as_ref().unwrap().steps;
    assert_eq!(
        steps[0].selector,
        Some(proto::attribute_path::step::Selector::AttributeName(
            "not_in_schema".into()
        ))
    );
    // The prior object is kept so Terraform does not lose track of it.
    assert_eq!(
        value(r.new_state, &ty),
        codec::decode_msgpack(&encode(&prior, &ty).unwrap().msgpack, &ty).unwrap()
    );
}

#[tokio::test]
async fn upgrade_import_and_data_source() {
    let mut h = start().await;
    let ty = thing_ty();
    let r = rpc!(
        h.upgrade_resource_state(proto::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 0,
            raw_state: Some(proto::RawState {
                json: br#"{"id":"9","title":"old","size":"3"}"#.to_vec(),
                flatmap: Default::default(),
            }),
        })
    );
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let s = value(r.upgraded_state, &ty);
    assert_eq!(s.get("name").as_str(), Some("old"));
    assert_eq!(s.get("size"), &Value::Number(3.0));
    assert!(s.get("title").is_null(), "dropped: not in the schema");

    let r = rpc!(
        h.upgrade_resource_state(proto::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 7,
            raw_state: Some(proto::RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
        })
    );
    assert!(errors(&r.diagnostics)[0].contains("newer"));

    let r = rpc!(
        h.import_resource_state(proto::import_resource_state::Request {
            type_name: "test_thing".into(),
            id: "@RBT#7".into(),
            ..Default::default()
        })
    );
    assert_eq!(r.imported_resources.len(), 1);
    let imp = r.imported_resources.into_iter().next().unwrap();
    assert_eq!(imp.type_name, "test_thing");
    assert_eq!(value(imp.state, &ty).get("id").as_str(), Some("@RBT#7"));

    let ity = Schema::new(
        "",
        vec![
            Attribute::required("key", Type::String, ""),
            Attribute::computed("value", Type::String, ""),
        ],
    )
    .object_type();
    let r = rpc!(h.read_data_source(proto::read_data_source::Request {
        type_name: "test_info".into(),
        config: dv(&Value::object([("key", Value::string("k"))]), &ity),
        ..Default::default()
    }));
    assert_eq!(value(r.state, &ity).get("value").as_str(), Some("info"));
}

#[tokio::test]
async fn functions_are_called_without_configuration() {
    let h = start().await;
    // No ConfigureProvider before any of these calls.
    let call = |name: &str, args: Vec<Value>| {
        let arguments = args.iter().map(|a| dv(a, &Type::String).unwrap()).collect();
        let mut client = h.client.clone();
        let name = name.to_string();
        async move {
            client
                .call_function(proto::call_function::Request { name, arguments })
                .await
                .unwrap()
                .into_inner()
        }
    };
    let r = call("greet", vec![Value::string("ann")]).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    let v = value(r.result, &greet_ty());
    assert_eq!(v.get("greeting").as_str(), Some("hi ann"));
    assert_eq!(v.get("length"), &Value::Number(3.0));

    let e = call("greet", vec![Value::string("")]).await.error.unwrap();
    assert_eq!(
        (e.text.as_str(), e.function_argument),
        ("name is empty", Some(0))
    );

    let e = call("greet", vec![Value::Null]).await.error.unwrap();
    assert_eq!(e.function_argument, Some(0));
    assert!(e.text.contains("`name` must not be null"), "{}", e.text);

    let r = call("greet", vec![Value::Unknown]).await;
    assert!(r.error.is_none());
    assert!(value(r.result, &greet_ty()).is_unknown());

    let e = call("greet", vec![]).await.error.unwrap();
    assert_eq!(e.function_argument, None);
    assert!(e.text.contains("takes 1 argument"), "{}", e.text);

    let e = call("greet", vec![Value::string("bug")])
        .await
        .error
        .unwrap();
    assert!(e.text.contains("bug in the provider"), "{}", e.text);

    let e = call("f", vec![]).await.error.unwrap();
    assert!(e.text.contains("\"f\""), "{}", e.text);
    assert!(h.seen.lock().unwrap().is_none(), "never configured");
}

#[tokio::test]
async fn ephemeral_move_identity_stop() {
    let mut h = start().await;
    let r = rpc!(
        h.open_ephemeral_resource(proto::open_ephemeral_resource::Request {
            type_name: "test_token".into(),
            config: None,
            client_capabilities: None,
        })
    );
    assert_eq!(r.renew_at.unwrap().seconds, 1_900_000_000);
    assert_eq!(r.private.as_deref(), Some(&b"p"[..]));
    assert!(r.result.is_some());
    let r = rpc!(
        h.renew_ephemeral_resource(proto::renew_ephemeral_resource::Request {
            type_name: "test_token".into(),
            private: Some(b"p".to_vec()),
        })
    );
    assert!(r.renew_at.is_none() && r.diagnostics.is_empty());
    let r = rpc!(
        h.close_ephemeral_resource(proto::close_ephemeral_resource::Request {
            type_name: "test_token".into(),
            private: Some(b"other".to_vec()),
        })
    );
    assert_eq!(errors(&r.diagnostics), vec!["wrong private: "]);

    let m = rpc!(h.move_resource_state(proto::move_resource_state::Request {
        target_type_name: "test_thing".into(),
        ..Default::default()
    }));
    assert_eq!(errors(&m.diagnostics).len(), 1);
    let i = rpc!(h.get_resource_identity_schemas(proto::get_resource_identity_schemas::Request {}));
    assert!(i.identity_schemas.is_empty());
    let u = rpc!(h.upgrade_resource_identity(proto::upgrade_resource_identity::Request::default()));
    assert_eq!(errors(&u.diagnostics).len(), 1);
    let s = rpc!(h.stop_provider(proto::stop_provider::Request {}));
    assert_eq!(s.error, "busy");
}

#[test]
fn path_steps_reach_the_wire_from_codec_errors() {
    let e = CodecError {
        path: crate::tfproto::AttrPath(vec![
            PathStep::Attribute("tags".into()),
            PathStep::Index(1),
        ]),
        message: "m".into(),
    };
    let d = decode_error("configuration", &e);
    assert_eq!(d[0].attribute.as_ref().unwrap().steps.len(), 2);
    assert!(d[0].detail.contains("configuration"));
}
