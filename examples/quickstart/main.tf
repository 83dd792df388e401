# Quickstart: a small team of chatbots plus a listing of every chatbot of the app.
#
# The provider block is empty: settings come from the environment, e.g. for the
# local simulator (scripts/demo.sh does this for you):
#
#   export TENCENTCHAT_ENDPOINT=http://127.0.0.1:PORT
#   export TENCENTCHAT_SDKAPPID=1400000000
#   export TENCENTCHAT_SECRET_KEY=tencentchat-sim-demo-key-0000000000000000
#
# and for Tencent Cloud Chat itself: TENCENTCHAT_SDKAPPID, TENCENTCHAT_SECRET_KEY
# and TENCENTCHAT_REGION (china, singapore, ...).

terraform {
  required_version = ">= 1.0.3"
  required_providers {
    tencentchat = {
      source  = "tencentchat/tencentchat"
      version = "~> 0.1"
    }
  }
}

provider "tencentchat" {}

locals {
  team = {
    helpdesk = {
      nick      = "Helpdesk"
      signature = "Ask me about orders, refunds and delivery."
    }
    sales = {
      nick      = "Sales"
      signature = "Plans, prices and quotes."
    }
    onboarding = {
      nick      = "Onboarding"
      signature = "New here? I will show you around."
    }
  }
}

resource "tencentchat_robot" "team" {
  for_each = local.team

  user_id        = "@RBT#${each.key}"
  nick           = each.value.nick
  self_signature = each.value.signature
}

resource "tencentchat_robot" "announcer" {
  user_id  = "@RBT#announcer"
  nick     = "Announcer"
  face_url = "https://example.com/avatars/announcer.png"
}

# Read after the robots above exist, so the listing includes them.
data "tencentchat_robots" "all" {
  depends_on = [tencentchat_robot.team, tencentchat_robot.announcer]
}
