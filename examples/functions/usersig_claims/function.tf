# A pipeline that signs with a pre-issued UserSig checks it before the run, not
# halfway through an apply. Decoding needs no key; it does not prove the
# UserSig genuine (only Tencent, or the app's secret key, can).
variable "tencentchat_usersig" {
  type      = string
  sensitive = true
}

locals {
  usersig = provider::tencentchat::usersig_claims(var.tencentchat_usersig)
}

provider "tencentchat" {
  usersig = var.tencentchat_usersig
}

check "usersig_outlives_the_run" {
  assert {
    condition     = timecmp(local.usersig.expires_at, timeadd(plantimestamp(), "1h")) > 0
    error_message = "The pre-issued UserSig expires within the hour: issue a new one."
  }
}

output "usersig_expires_at" {
  value = nonsensitive(local.usersig.expires_at)
}
