"""Offline stand-in for WeChat's HTTP API (demo and tests); see ``app.sandbox.app``."""
