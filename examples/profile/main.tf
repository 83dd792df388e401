# The whole chatbot profile as code: every standard field and two of the app's
# custom fields. Custom fields must be defined in the Chat console first (Feature
# Configuration > User Custom Fields); the provider block names the ones it
# manages, so every read asks for them. Against the local simulator:
#
#   tencentchat-sim --custom-fields model,team --exec terraform apply

terraform {
  required_version = ">= 1.0.3"
  required_providers {
    tencentchat = {
      source  = "tencentchat/tencentchat"
      version = "~> 0.1"
    }
  }
}

provider "tencentchat" {
  custom_fields = ["model", "team"]
}

resource "tencentchat_robot" "assistant" {
  user_id        = "@RBT#assistant"
  nick           = "Assistant"
  face_url       = "https://example.com/avatars/assistant.png"
  self_signature = "I answer questions about your account."

  # Set with portrait_set right after create_robot, and updated in place.
  gender            = "unknown"
  birthday          = 20240101
  location          = "86 0 0 0"
  allow_type        = "allow_any" # users add it as a friend without confirmation
  language          = 0
  message_settings  = 0
  admin_forbid_type = "none"
  level             = 3 # apps often use level and role to tell bots apart
  role              = 1

  # Only the names given here are managed; removing one clears it.
  custom_fields = {
    model = "hunyuan-lite"
    team  = "support"
  }
}

# Read back by UserID, with every field.
data "tencentchat_robot" "assistant" {
  user_id = tencentchat_robot.assistant.id
}

output "assistant_profile" {
  value = {
    allow_type    = data.tencentchat_robot.assistant.allow_type
    level         = data.tencentchat_robot.assistant.level
    custom_fields = data.tencentchat_robot.assistant.custom_fields
  }
}
