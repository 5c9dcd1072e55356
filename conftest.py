"""Session-wide for every test run (tests/ and e2e/): the Nu Html Checker over every HTML
answer the tests saw (tests/nu_plugin.py)."""

pytest_plugins = ["tests.nu_plugin", "pytester"]
