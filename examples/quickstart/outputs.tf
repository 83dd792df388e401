output "team_user_ids" {
  description = "UserIDs of the team chatbots, by name."
  value       = { for name, bot in tencentchat_robot.team : name => bot.id }
}

output "all_user_ids" {
  description = "Every active chatbot of the app, in API order."
  value       = data.tencentchat_robots.all.user_ids
}

output "chatbot_slots_left" {
  description = "How many more chatbots the app can have (20 at most)."
  value       = data.tencentchat_robots.all.remaining
}
