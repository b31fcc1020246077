"""The console: server-rendered pages for finance staff and auditors under /console."""
