"""Rasa SDK custom actions: answering from the index, routing to stations, handing over to staff."""

import os

if os.environ.get("IPGP_ACTIONS_WARMUP") == "1":  # set by the supervisor, never by tests
    from actions.resources import warm_up_in_background

    warm_up_in_background()
