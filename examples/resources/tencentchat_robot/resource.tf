# A chatbot with a full profile.
resource "tencentchat_robot" "helpdesk" {
  user_id        = "@RBT#helpdesk"
  nick           = "Helpdesk"
  face_url       = "https://example.com/avatars/helpdesk.png"
  self_signature = "Ask me about orders, refunds and delivery."

  allow_type = "allow_any" # users add it as a friend without confirmation
  level      = 2
  role       = 1

  # Each must be defined in the Chat console and named in the provider's
  # custom_fields.
  custom_fields = {
    model = "hunyuan-lite"
  }
}

# Only the UserID is required; it must start with "@RBT#".
resource "tencentchat_robot" "minimal" {
  user_id = "@RBT#minimal"
}
