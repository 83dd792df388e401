# Sourced by scripts/demo.sh and scripts/test-live.sh: the locally built provider
# installed where Terraform finds it without a registry, and the Terraform to use.
# Expects to be sourced from the repository root.

# The crate's version, as the provider reports it and the mirror lays it out.
provider_version() {
    grep -m1 '^version *=' Cargo.toml | sed 's/^version *= *"\(.*\)"/\1/'
}

# install_provider_mirror BINARY MIRROR_DIR CLI_CONFIG_FILE
# Copies BINARY into a filesystem mirror under MIRROR_DIR, laid out as the public
# registry would serve registry.terraform.io/tencentchat/tencentchat, and writes a
# Terraform CLI configuration that installs tencentchat/* only from that mirror
# (everything else as usual). Prints the installed path.
install_provider_mirror() {
    local bin="$1" mirror="$2" rc="$3" version pkg
    version="$(provider_version)"
    pkg="$mirror/registry.terraform.io/tencentchat/tencentchat/$version/linux_amd64"
    mkdir -p "$pkg"
    cp "$bin" "$pkg/terraform-provider-tencentchat_v$version"
    cat >"$rc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/tencentchat/*"]
  }
  direct {
    exclude = ["registry.terraform.io/tencentchat/*"]
  }
}
RC
    echo "$pkg/terraform-provider-tencentchat_v$version"
}

# find_terraform: $TERRAFORM, else `terraform` on PATH, else Terraform 1.0.3 fetched
# into .tools/ (scripts/fetch-terraform.sh). Prints its absolute path; fails if it
# does not run.
find_terraform() {
    local tf="${TERRAFORM:-}"
    if [[ -z "$tf" ]]; then
        tf="$(command -v terraform)" || {
            echo "no terraform on PATH; fetching Terraform 1.0.3" >&2
            tf="$(scripts/fetch-terraform.sh)"
        }
    fi
    # An absolute path, so it still works from another directory.
    if [[ "$tf" != */* ]]; then
        tf="$(command -v "$tf")" || {
            echo "$TERRAFORM is not on PATH" >&2
            return 1
        }
    elif [[ "$tf" != /* ]]; then
        tf="$PWD/$tf"
    fi
    CHECKPOINT_DISABLE=1 "$tf" version >/dev/null 2>&1 || {
        echo "$tf does not run" >&2
        return 1
    }
    echo "$tf"
}

# terraform_version TF: the first line of `TF version`, e.g. "Terraform v1.11.4".
terraform_version() {
    local out
    out="$(CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null)" || true
    echo "${out%%$'\n'*}"
}
