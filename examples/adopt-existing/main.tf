# Adopt the chatbots an app already has (made in the console or by scripts) in
# one apply, changing nothing: one data source lists them, one resource holds
# them, one import block brings them into state. Terraform 1.7 or later.
terraform {
  required_version = ">= 1.7"
  required_providers {
    tencentchat = {
      source = "tencentchat/tencentchat"
    }
  }
}

variable "prefix" {
  description = "Adopt only the chatbots whose UserID starts with this, for example \"@RBT#shop_\". Null adopts them all."
  type        = string
  default     = null
}

variable "chatbots" {
  description = "The chatbots to keep, keyed by UserID, once adopted (see the guide: pinning). Null follows the app."
  type = map(object({
    nick           = optional(string)
    face_url       = optional(string)
    self_signature = optional(string)
  }))
  default = null
}

data "tencentchat_robots" "existing" {
  prefix = var.prefix
}

locals {
  # Profiles as the app has them, so adopting changes nothing.
  found = {
    for r in data.tencentchat_robots.existing.robots : r.user_id => {
      nick           = r.nick
      face_url       = r.face_url
      self_signature = r.self_signature
    }
  }
  chatbots = var.chatbots != null ? var.chatbots : local.found
}

# Only chatbots the app has can be imported; for those already in state the
# block does nothing.
import {
  for_each = {
    for id, _ in local.chatbots : id => id
    if contains(data.tencentchat_robots.existing.user_ids, id)
  }
  to = tencentchat_robot.bot[each.key]
  id = each.key
}

resource "tencentchat_robot" "bot" {
  for_each = local.chatbots

  user_id        = each.key
  nick           = each.value.nick
  face_url       = each.value.face_url
  self_signature = each.value.self_signature
}

output "chatbots" {
  description = "The managed chatbots and their profiles; save it as the `chatbots` variable to pin the set."
  value       = local.chatbots
}
