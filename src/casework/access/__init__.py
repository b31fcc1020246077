"""Who may call the API: users, their roles and areas, and the bearer tokens they present."""
