"""The HTTP layer: one module per area, each with its `routes`; rendering and CSRF."""
