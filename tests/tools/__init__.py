"""Test tools: running the real reference implementations (js-yaml through node) beside drift."""
