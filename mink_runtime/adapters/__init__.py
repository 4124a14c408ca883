"""Adapters: one package per backend (memory, sqlite, postgres, redis)."""
