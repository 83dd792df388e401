//! A second, tiny provider on tfkit alone: `example_data`, a `terraform_data`-like
//! resource with a nested attribute, a map, an integer and a state upgrade from
//! schema version 0 (where `input` was called `value`) to 1. A real Terraform
//! drives it over the real plugin protocol, attached to it in reattach mode
//! (`TF_REATTACH_PROVIDERS`): the PATH's Terraform (or `TF_ACC_TERRAFORM_PATH`)
//! and, when present, the oldest supported one in `.tools/terraform-1.0.3/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tfkit::plugin::{serve, ServeOptions};
use tfkit::tfproto::{
    self, ClientInfo, DataSource, Diagnostics, Field, Outcome, Provider, Resource, Schema,
    TypedResource, TypedType, Value,
};

const ADDRESS: &str = "registry.terraform.io/example/example";

fn no_blank(name: &str, v: &str, d: &mut Diagnostics) {
    if v.trim().is_empty() {
        d.attr_error(
            name,
            format!("Invalid {name}"),
            format!("`{name}` must not be blank."),
        );
    }
}

tfkit::model! {
    struct Owner in owner_attr {
        name: String => required("Who owns it; a new owner replaces the object.")
            .requires_replace()
            .validate(no_blank),
        labels: BTreeMap<String, String> => optional("Labels."),
    }
}

tfkit::model! {
    struct Data in data_attr {
        id: String => computed("A random ID, kept across updates.").use_state_for_unknown(),
        input: String => optional("Any string; stored as `output`."),
        output: String => computed("`input`, after apply."),
        owner: Owner => optional("The owner."),
        revision: i64 => computed("How many times it was applied."),
    }
}

struct DataResource;

impl TypedType for DataResource {
    type Model = Data;
    const TYPE_NAME: &'static str = "example_data";
    fn description() -> String {
        "Stores a value in state.".into()
    }
}

fn applied(planned: Data, revision: i64) -> Outcome<Data> {
    let id = match planned.id {
        Field::Known(id) => id,
        _ => format!("{:016x}", fastrand_u64()),
    };
    Outcome::new(
        Some(Data {
            id: Field::Known(id),
            output: planned.input.clone(),
            revision: Field::Known(revision),
            ..planned
        }),
        Diagnostics::new(),
    )
}

fn fastrand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish()
}

#[async_trait::async_trait]
impl TypedResource for DataResource {
    const SCHEMA_VERSION: i64 = 1;

    async fn upgrade(&self, version: i64, prior: Value, diags: &mut Diagnostics) -> Option<Data> {
        if version != 0 {
            diags.error("Unknown schema version", format!("version {version}"));
            return None;
        }
        let mut v = prior;
        let old = v.get("value").clone();
        v.set(data_attr::input, old.clone());
        v.set(data_attr::output, old);
        Some(tfproto::Model::from_value(&v))
    }
    async fn read(&self, current: Data) -> Outcome<Data> {
        Outcome::new(Some(current), Diagnostics::new())
    }
    async fn create(&self, planned: Data) -> Outcome<Data> {
        applied(planned, 1)
    }
    async fn update(&self, prior: Data, planned: Data) -> Outcome<Data> {
        let n = prior.revision.known().copied().unwrap_or(0);
        applied(planned, n + 1)
    }
    async fn delete(&self, _prior: Data) -> Outcome<Data> {
        Outcome::new(None, Diagnostics::new())
    }
    async fn import(&self, _id: &str) -> Outcome<Data> {
        Outcome::new(None, Diagnostics::new())
    }
}

struct Example;

#[async_trait::async_trait]
impl Provider for Example {
    fn schema(&self) -> Schema {
        Schema::new("An example provider.", Vec::new())
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![tfproto::resource(DataResource)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn configure(&self, _config: &Value, _client: &ClientInfo) -> Diagnostics {
        Diagnostics::new()
    }
}

fn terraforms() -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Some(p) = std::env::var_os("TF_ACC_TERRAFORM_PATH") {
        found.push(PathBuf::from(p));
    } else if let Some(p) = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("terraform"))
            .find(|p| p.is_file())
    }) {
        found.push(p);
    }
    let old = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/terraform-1.0.3/terraform");
    if old.is_file()
        && !found
            .iter()
            .any(|p| p.canonicalize().ok() == old.canonicalize().ok())
    {
        found.push(old);
    }
    found
}

/// Serves the provider in this process in reattach mode; returns the
/// `TF_REATTACH_PROVIDERS` value.
fn start_provider(socket_dir: &Path) -> String {
    // Set before the server thread starts; this test binary has one test.
    std::env::set_var("PLUGIN_UNIX_SOCKET_DIR", socket_dir);
    std::thread::spawn(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let routes = tonic::service::Routes::new(tfproto::server(Example));
            let opts = ServeOptions {
                debug: true,
                provider_address: ADDRESS.into(),
                name: "example".into(),
                certificate_organization: "terraform-provider-example".into(),
                not_launched_message: "Run by Terraform.".into(),
            };
            serve(routes, opts).await.unwrap();
        });
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let socket = loop {
        let hit = std::fs::read_dir(socket_dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .find(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with("plugin-example-") && n.ends_with(".sock")
            });
        if let Some(e) = hit {
            break e.path();
        }
        assert!(
            Instant::now() < deadline,
            "the provider made no socket in {socket_dir:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    serde_json::json!({ ADDRESS: {
        "Protocol": "grpc", "ProtocolVersion": 6, "Pid": std::process::id(), "Test": true,
        "Addr": { "Network": "unix", "String": socket.display().to_string() },
    }})
    .to_string()
}

struct Run<'a> {
    tf: &'a Path,
    dir: PathBuf,
    reattach: &'a str,
}

impl Run<'_> {
    fn tf(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(self.tf)
            .args(args)
            .current_dir(&self.dir)
            .env("TF_REATTACH_PROVIDERS", self.reattach)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("NO_COLOR", "1")
            .output()
            .expect("running terraform");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }
    fn ok(&self, args: &[&str]) -> String {
        let (ok, text) = self.tf(args);
        assert!(ok, "terraform {args:?} failed:\n{text}");
        text
    }
    fn config(&self, body: &str) {
        let hcl = format!(
            "terraform {{\n  required_providers {{\n    example = {{ source = \"example/example\" }}\n  }}\n}}\n{body}"
        );
        std::fs::write(self.dir.join("main.tf"), hcl).unwrap();
    }
    fn state(&self) -> serde_json::Value {
        let text = self.ok(&["show", "-json"]);
        let v: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        v["values"]["root_module"]["resources"][0]["values"].clone()
    }
}

fn resource(input: &str, owner: &str) -> String {
    format!(
        "resource \"example_data\" \"d\" {{\n  input = \"{input}\"\n  owner = {{\n    name = \"{owner}\"\n    labels = {{ team = \"core\" }}\n  }}\n}}\n"
    )
}

#[test]
fn a_second_provider_on_tfkit_alone_under_a_real_terraform() {
    let tfs = terraforms();
    if tfs.is_empty() {
        eprintln!("SKIP: no Terraform (set TF_ACC_TERRAFORM_PATH or put terraform on PATH)");
        return;
    }
    let root = std::env::temp_dir().join(format!("tfkit-second-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let reattach = start_provider(&root);
    for (i, tf) in tfs.iter().enumerate() {
        eprintln!("terraform: {}", tf.display());
        let dir = root.join(format!("run{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let run = Run {
            tf,
            dir,
            reattach: &reattach,
        };
        run.config(&resource("one", "ann"));
        run.ok(&["init", "-input=false"]);
        run.ok(&["apply", "-auto-approve", "-input=false"]);
        let s = run.state();
        assert_eq!(
            (s["output"].as_str(), s["revision"].as_i64()),
            (Some("one"), Some(1))
        );
        assert_eq!(s["owner"]["labels"]["team"], "core");
        let id = s["id"].as_str().unwrap().to_string();
        // Nothing changes on a second plan.
        let (ok, text) = run.tf(&["plan", "-detailed-exitcode", "-input=false"]);
        assert!(ok, "second plan shows changes:\n{text}");

        // In place: the id stays (use_state_for_unknown), the revision counts.
        run.config(&resource("two", "ann"));
        let plan = run.ok(&["plan", "-input=false", "-no-color"]);
        assert!(
            plan.contains("updated in-place") && !plan.contains("must be replaced"),
            "{plan}"
        );
        run.ok(&["apply", "-auto-approve", "-input=false"]);
        let s = run.state();
        assert_eq!(
            (s["id"].as_str(), s["revision"].as_i64()),
            (Some(id.as_str()), Some(2))
        );

        // A nested requires_replace field replaces; a nested validator names the field.
        run.config(&resource("two", "bob"));
        let plan = run.ok(&["plan", "-input=false", "-no-color"]);
        assert!(plan.contains("must be replaced"), "{plan}");
        run.config(&resource("two", " "));
        let (ok, text) = run.tf(&["validate"]);
        assert!(
            !ok && text.contains("Invalid name") && text.contains("must not be blank"),
            "{text}"
        );

        // A state of schema version 0 is upgraded by the type's hook.
        run.config(&resource("old", "ann"));
        let v0 = serde_json::json!({
            "version": 4, "terraform_version": "1.0.3", "serial": 1, "lineage": "5d1f0a4e-0000-4000-8000-000000000001",
            "outputs": {},
            "resources": [{
                "mode": "managed", "type": "example_data", "name": "d",
                "provider": format!("provider[\"{ADDRESS}\"]"),
                "instances": [{
                    "schema_version": 0,
                    "attributes": { "id": "v0id", "value": "old", "owner": { "name": "ann", "labels": { "team": "core" } }, "revision": 5 }
                }]
            }]
        });
        std::fs::write(run.dir.join("terraform.tfstate"), v0.to_string()).unwrap();
        let (ok, text) = run.tf(&["plan", "-detailed-exitcode", "-input=false"]);
        assert!(
            ok,
            "the upgraded state should match the configuration:\n{text}"
        );
        run.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
        let s = run.state();
        assert_eq!(
            (s["id"].as_str(), s["input"].as_str()),
            (Some("v0id"), Some("old"))
        );
        assert!(s.get("value").is_none(), "{s}");
        run.ok(&["destroy", "-auto-approve", "-input=false"]);
    }
    let _ = std::fs::remove_dir_all(&root);
}
