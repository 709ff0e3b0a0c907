"""Models of the exams app arrive with their own issue; the app is installed so migrations have a home."""
