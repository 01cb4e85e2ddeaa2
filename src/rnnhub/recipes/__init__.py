"""Recipes: one deterministic command per published model (tokenizer, model, training, card)."""
