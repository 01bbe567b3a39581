"""The crisis detector's engine: utterances as tokens (``tokens``) and phrase families as templates
(``matcher``), both read from ``prompts/safety.toml``. ``dialogue.crisis`` is its one caller."""
