"""The documents the app makes: the sealed PDF of every signed waiver."""
