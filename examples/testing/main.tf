# A small module to test offline: one chatbot per team, named @RBT#<team>.
terraform {
  required_version = ">= 1.8"
  required_providers {
    tencentchat = {
      source = "tencentchat/tencentchat"
    }
  }
}

variable "teams" {
  description = "Teams, keyed by name; each gets the chatbot \"@RBT#<name>\"."
  type = map(object({
    nick           = string
    self_signature = optional(string)
  }))

  validation {
    condition     = alltrue([for name in keys(var.teams) : can(provider::tencentchat::robot_user_id(name))])
    error_message = "Every team name must make a valid chatbot UserID (see provider::tencentchat::robot_user_id)."
  }
}

resource "tencentchat_robot" "team" {
  for_each = var.teams

  user_id        = provider::tencentchat::robot_user_id(each.key)
  nick           = each.value.nick
  self_signature = each.value.self_signature
}

data "tencentchat_robots" "app" {
  depends_on = [tencentchat_robot.team]
}

output "user_ids" {
  value = { for team, robot in tencentchat_robot.team : team => robot.user_id }
}

output "nicks" {
  value = { for team, robot in tencentchat_robot.team : team => robot.nick }
}

output "remaining" {
  description = "How many more chatbots the app can have."
  value       = data.tencentchat_robots.app.remaining
}
