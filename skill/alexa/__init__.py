"""The Alexa side: ASK handlers, events from envelopes, rendering, the endpoint."""
