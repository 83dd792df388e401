# A chatbot is imported by its UserID. Quote it: "#" starts a comment in the shell.
terraform import tencentchat_robot.helpdesk '@RBT#helpdesk'
