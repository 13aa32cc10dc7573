"""`source: google`: Google Calendar through the Calendar v3 API (auth, client, mirror, writer)."""
