# Every active chatbot of the app, in the order the Chat API lists them.
data "tencentchat_robots" "all" {}

# Only the chatbots whose UserID starts with a prefix.
data "tencentchat_robots" "support" {
  prefix = "@RBT#support_"
}

output "support_user_ids" {
  value = data.tencentchat_robots.support.user_ids
}

output "chatbot_slots_left" {
  value = data.tencentchat_robots.all.remaining
}
