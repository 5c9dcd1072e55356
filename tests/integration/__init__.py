"""Tests that need a real dynalite (or the processes they start): the app, the store and
the AWS stand-ins together."""
