"""Models: find, describe, fetch and load the transformer a user fine-tunes.

Owns the catalogue (catalogue), where a model is (resolve, hub), what it is without loading it (inspect,
config_file, weights, languages), and loading it as a classifier (loading, lora, tokens). Imports only
core.errors; torch, transformers, peft and huggingface_hub only inside the functions that need them.
"""
