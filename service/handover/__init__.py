"""After a handover: its reference number looked up and cancelled in chat, the same on every channel."""
