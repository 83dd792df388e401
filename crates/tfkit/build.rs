//! Compiles every `proto/*.proto` into Rust with protox (a pure-Rust protobuf
//! compiler) and tonic-prost-build, so no machine needs `protoc`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let Ok(dir) = std::fs::read_dir("proto") else {
        return Ok(());
    };
    let mut files: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "proto"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Ok(());
    }
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let descriptors = protox::compile(&names, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(descriptors)?;
    Ok(())
}
