"""WebSocket routes of this app, collected by config/asgi.py."""

from django.urls import path

from .consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/chats/<uuid:pk>/", ChatConsumer.as_asgi()),
]
