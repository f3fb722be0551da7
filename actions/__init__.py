"""Rasa SDK custom actions: answering from the index, routing to stations, handing over to staff."""
