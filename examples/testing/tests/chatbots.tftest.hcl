# Integration tests: real applies against tencentchat-sim. Run them with
#   terraform init && tencentchat-sim --exec terraform test
# The simulator starts empty; `terraform test` destroys what the runs created.

variables {
  teams = {
    sales   = { nick = "Sales", self_signature = "Ask me about prices." }
    support = { nick = "Support" }
  }
}

run "creates_one_chatbot_per_team" {
  assert {
    condition     = output.user_ids == { sales = "@RBT#sales", support = "@RBT#support" }
    error_message = "Each team should get the chatbot @RBT#<team>."
  }

  assert {
    condition     = output.nicks.sales == "Sales" && tencentchat_robot.team["support"].self_signature == null
    error_message = "Profiles should be exactly what the variables say."
  }

  assert {
    condition     = output.remaining == 18
    error_message = "An empty app holds 20 chatbots; two are used."
  }
}

run "renaming_a_nick_is_an_in_place_update" {
  command = plan

  variables {
    teams = {
      sales   = { nick = "Sales team", self_signature = "Ask me about prices." }
      support = { nick = "Support" }
    }
  }

  assert {
    condition     = tencentchat_robot.team["sales"].nick == "Sales team"
    error_message = "The plan should change the nick."
  }
}

run "removing_a_team_destroys_its_chatbot" {
  variables {
    teams = {
      sales = { nick = "Sales", self_signature = "Ask me about prices." }
    }
  }

  assert {
    condition     = output.user_ids == { sales = "@RBT#sales" } && output.remaining == 19
    error_message = "Only the sales chatbot should be left."
  }
}

run "a_removed_team_can_come_back" {
  assert {
    condition     = output.user_ids == { sales = "@RBT#sales", support = "@RBT#support" }
    error_message = "The support chatbot should be made again in the same test run."
  }
}

run "rejects_a_bad_team_name" {
  command = plan

  variables {
    teams = {
      "caf\u00e9" = { nick = "Not ASCII" }
    }
  }

  expect_failures = [var.teams]
}
