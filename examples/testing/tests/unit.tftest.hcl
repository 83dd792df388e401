# Unit tests: plan only, against a mock of the provider (Terraform 1.7+). No
# simulator, no account, no API call; computed values are made up by Terraform.
#   terraform test -filter=tests/unit.tftest.hcl

mock_provider "tencentchat" {
  mock_data "tencentchat_robots" {
    defaults = {
      limit     = 20
      remaining = 20
    }
  }
}

variables {
  teams = {
    billing = { nick = "Billing" }
  }
}

run "user_ids_follow_team_names" {
  command = plan

  assert {
    condition     = tencentchat_robot.team["billing"].user_id == "@RBT#billing"
    error_message = "The chatbot of team billing should be @RBT#billing."
  }
}

run "a_long_team_name_is_refused" {
  command = plan

  variables {
    teams = {
      (join("", [for i in range(28) : "x"])) = { nick = "Too long" }
    }
  }

  expect_failures = [var.teams]
}
