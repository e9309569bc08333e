"""Development tools: the console, the request factory, the utterance matcher and the ask-cli packager."""
