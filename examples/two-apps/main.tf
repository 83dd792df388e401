# Two Chat apps (say staging and production) managed from one configuration with
# provider aliases. Each app has its own SDKAppID and secret key.

terraform {
  required_version = ">= 1.0.3"
  required_providers {
    tencentchat = {
      source  = "tencentchat/tencentchat"
      version = "~> 0.1"
    }
  }
}

variable "staging_sdkappid" {
  type    = number
  default = 1400000001
}

variable "staging_secret_key" {
  type      = string
  sensitive = true
}

variable "production_sdkappid" {
  type    = number
  default = 1400000002
}

variable "production_secret_key" {
  type      = string
  sensitive = true
}

provider "tencentchat" {
  alias      = "staging"
  sdkappid   = var.staging_sdkappid
  secret_key = var.staging_secret_key
  region     = "singapore"
}

provider "tencentchat" {
  alias      = "production"
  sdkappid   = var.production_sdkappid
  secret_key = var.production_secret_key
  region     = "singapore"
}

# The same chatbot in both apps; staging gets a marker in its nickname.
resource "tencentchat_robot" "staging_helpdesk" {
  provider = tencentchat.staging

  user_id = "@RBT#helpdesk"
  nick    = "Helpdesk (staging)"
}

resource "tencentchat_robot" "production_helpdesk" {
  provider = tencentchat.production

  user_id = "@RBT#helpdesk"
  nick    = "Helpdesk"
}

data "tencentchat_robots" "production" {
  provider   = tencentchat.production
  depends_on = [tencentchat_robot.production_helpdesk]
}

output "production_slots_left" {
  value = data.tencentchat_robots.production.remaining
}
