"""WebSocket routes of this app, collected by config/asgi.py."""

websocket_urlpatterns = []
