terraform {
  required_providers {
    tencentchat = {
      source  = "tencentchat/tencentchat"
      version = "~> 0.1"
    }
  }
}

# Every setting can also come from the environment (TENCENTCHAT_SDKAPPID,
# TENCENTCHAT_SECRET_KEY, TENCENTCHAT_REGION, ...), which keeps the secret key
# out of the configuration entirely: `provider "tencentchat" {}` is then enough.
provider "tencentchat" {
  sdkappid   = 1400000000
  identifier = "administrator"
  secret_key = var.tencentchat_secret_key
  region     = "singapore"
}

variable "tencentchat_secret_key" {
  description = "The app's secret key, from the Chat console (Basic Configuration)."
  type        = string
  sensitive   = true
}
