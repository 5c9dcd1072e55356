"""Notifications: the outbox notifier, the email builders and the Gmail mailer."""
