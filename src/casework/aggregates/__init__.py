"""The aggregates: one module each, events nested in the aggregate, named in the past tense."""
