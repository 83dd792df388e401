# One chatbot of the app, by UserID, with its profile (made here or elsewhere).
data "tencentchat_robot" "helpdesk" {
  user_id = "@RBT#helpdesk"
}

output "helpdesk_nick" {
  value = data.tencentchat_robot.helpdesk.nick
}
