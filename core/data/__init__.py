"""Data: read any file of texts and labels, check it, mend it and split it.

Owns reading files (files, encodings, delimited, headers, jsonfiles, workbooks, table), choosing the
text and label columns (columns), the texts as read and the rows fit to train on (texts), the data
check with its findings and one-click fixes (check, counts, problems, language, fixes), the
validation split (split) and datasets saved in the workspace (saved).
May import core.store and core.models (the data check asks whether the model knows the language);
pandas is imported, torch and transformers never.
"""
