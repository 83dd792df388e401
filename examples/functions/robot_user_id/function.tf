# One chatbot per team name. A name that cannot make a chatbot UserID fails the
# plan with an error naming the rule it breaks, before anything is created.
variable "teams" {
  type    = set(string)
  default = ["billing", "sales", "support"]
}

resource "tencentchat_robot" "team" {
  for_each = var.teams

  user_id = provider::tencentchat::robot_user_id(each.key)
  nick    = "${title(each.key)} bot"
}

output "team_user_ids" {
  value = { for team, robot in tencentchat_robot.team : team => robot.user_id }
}
