"""Understanding what people say: templates, the local NLU stand-in, free-text routing and answer parsing."""
