# A UserSig for the provider's identifier, signed with the default provider's
# secret key. Terraform 1.10+ keeps it out of plans and state.
ephemeral "tencentchat_usersig" "admin" {
  expire_seconds = 3600 # one hour: enough for this run
}

# A second provider block that never sees the secret key: it signs every
# request with the ephemeral UserSig.
provider "tencentchat" {
  alias   = "signed"
  usersig = ephemeral.tencentchat_usersig.admin.usersig
}

data "tencentchat_robots" "all" {
  provider = tencentchat.signed
}

