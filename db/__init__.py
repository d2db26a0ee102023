"""Typed SQLAlchemy models, the engine factory and repositories. Repositories never commit."""
