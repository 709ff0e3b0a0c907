"""Models of the certificates app arrive with their own issue; the app is installed so migrations have a home."""
