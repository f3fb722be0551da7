"""FastAPI gateway: website chat, WeChat webhook and staff admin; talks to Rasa over HTTP only."""
