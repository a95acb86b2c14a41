"""Train: one training run, from its settings to a saved model.

Owns the run's settings (config, presets), the will-it-fit estimate (estimate), the data made ready
for the Trainer (prepare), the Hugging Face Trainer's set-up (trainer, sampler, metrics), what a
running training writes to the run store (callbacks), the full fine-tune from start to finish
(finetune) and its timings (phases). May import core.data, core.models and core.store; torch and
transformers only inside the functions that train.
"""
