# A chatbot with a full profile.
resource "tencentchat_robot" "helpdesk" {
  user_id        = "@RBT#helpdesk"
  nick           = "Helpdesk"
  face_url       = "https://example.com/avatars/helpdesk.png"
  self_signature = "Ask me about orders, refunds and delivery."
}

# Only the UserID is required; it must start with "@RBT#".
resource "tencentchat_robot" "minimal" {
  user_id = "@RBT#minimal"
}
