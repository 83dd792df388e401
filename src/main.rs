//! `terraform-provider-tencentchat`: started by Terraform as a plugin.

use std::process::ExitCode;
use tencentchat::plugin::{serve, PluginError, ServeOptions};

const PROVIDER_ADDRESS: &str = "registry.terraform.io/tencentchat/tencentchat";

/// What a person who runs the binary by hand reads.
const NOT_LAUNCHED: &str = "This program is a Terraform provider plugin: Terraform (or OpenTofu) \
     starts it by itself when a configuration uses the tencentchat provider, so it is not \
     meant to be run directly.\nRun `terraform init` and `terraform plan` in your \
     configuration instead (or start it with --debug to attach Terraform to it).";

fn usage() -> String {
    format!(
        "terraform-provider-tencentchat {version}\n\
         Terraform/OpenTofu provider for Tencent Cloud Chat chatbot accounts.\n\n\
         Terraform starts this program by itself; you normally never run it.\n\n\
         Usage: terraform-provider-tencentchat [--debug | --version | --help]\n\n\
         Options:\n\
         \x20 --debug    serve without Terraform starting it, and print the\n\
         \x20            TF_REATTACH_PROVIDERS value that attaches Terraform to it\n\
         \x20 --version  print the version and exit\n\
         \x20 --help     print this help and exit\n",
        version = env!("CARGO_PKG_VERSION")
    )
}

enum Mode {
    Serve { debug: bool },
    Version,
    Help,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Mode, String> {
    let mut debug = false;
    for arg in args {
        match arg.as_str() {
            "--debug" | "-debug" => debug = true,
            "--version" | "-version" | "-v" => return Ok(Mode::Version),
            "--help" | "-help" | "-h" => return Ok(Mode::Help),
            other => {
                return Err(format!(
                    "unknown argument {other:?}; allowed: --debug, --version, --help"
                ))
            }
        }
    }
    Ok(Mode::Serve { debug })
}

fn main() -> ExitCode {
    let debug = match parse_args(std::env::args().skip(1)) {
        Ok(Mode::Version) => {
            println!(
                "terraform-provider-tencentchat {}",
                env!("CARGO_PKG_VERSION")
            );
            return ExitCode::SUCCESS;
        }
        Ok(Mode::Help) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Ok(Mode::Serve { debug }) => debug,
        Err(msg) => {
            eprintln!("terraform-provider-tencentchat: {msg}");
            return ExitCode::from(2);
        }
    };
    // One thread: the provider's work is waiting on Terraform and the API, and
    // each worker thread costs memory (its stack and its malloc arena) in every
    // one of the 2N+1 processes Terraform starts for N aliases.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let runtime = match rt {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("terraform-provider-tencentchat: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let opts = ServeOptions {
        debug,
        provider_address: PROVIDER_ADDRESS.to_string(),
        name: "tencentchat".to_string(),
        certificate_organization: "terraform-provider-tencentchat".to_string(),
        not_launched_message: NOT_LAUNCHED.to_string(),
    };
    tfkit::log::forward(tencentchat::provider::LOG_TARGETS);
    let result = runtime.block_on(async {
        let provider = tencentchat::tfproto::server(tencentchat::provider::TencentChat::new());
        let routes = tonic::service::Routes::new(provider);
        serve(routes, opts).await
    });
    // Do not wait for stray tasks (e.g. a blocked handshake) once serving is over.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ PluginError::NotLaunchedByTerraform(_)) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("terraform-provider-tencentchat: {e}");
            ExitCode::FAILURE
        }
    }
}
