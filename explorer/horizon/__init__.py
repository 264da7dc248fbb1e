"""The gradient horizon page: which loss each step's gradient comes from, and how far back a state still depends on
the inputs (rc.gradient_horizon, rc.connectivity)."""
