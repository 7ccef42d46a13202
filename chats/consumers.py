"""/ws/chats/<id>/: a page of a chat listens to its group and sends messages and Stop."""

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.locale import language_of, user_language
from accounts.socket_sessions import SessionBoundConsumer

from . import actions, live
from .assistant import turns
from .models import Chat, Message

NOT_FOUND = 4404


def _owned_chat_id(user, chat_id):
    return Chat.objects.for_user(user).filter(pk=chat_id).values_list("pk", flat=True).first()


def _latest_answer(chat_id):
    answer = (Message.objects.on_path().filter(chat_id=chat_id, role=Message.Role.ASSISTANT)
              .select_related("chat").order_by("-created").first())
    return answer, (answer.chat.title if answer else "")


class ChatConsumer(SessionBoundConsumer, AsyncJsonWebsocketConsumer):
    """Closes when its session ends (accounts/socket_sessions.py)."""

    async def connect(self):
        self.user = self.scope.get("user")
        self.chat_id = await sync_to_async(_owned_chat_id)(
            self.user, self.scope["url_route"]["kwargs"]["pk"]
        )
        if self.chat_id is None:  # not signed in, or someone else's chat: refused
            await self.close(code=NOT_FOUND)
            return
        self.group = live.group_name(self.chat_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.watch_session()
        # What the page rendered may be older than the group's next event (a reload or a
        # reconnect in the middle of an answer, or just after its end): send the latest
        # answer as it is now, so no page is left showing "writing…" for a finished one.
        await self._send_latest()

    async def _send_latest(self):
        answer, title = await sync_to_async(_latest_answer)(self.chat_id)
        if answer is not None:
            # Its cards as they are now (a proposal may have been confirmed since).
            states = await sync_to_async(actions.states_for)(self.user, [answer])
            html = live.render_message(answer, language_of(self.user), states)
            payload = {"type": "message", "id": str(answer.pk), "html": html,
                       "status": (answer.metadata or {}).get("status", "done"),
                       "snapshot": True}
            if title:  # the auto-title may have come after the page was rendered
                payload["title"] = title
            await self.send_json(payload)

    async def disconnect(self, code):
        self.stop_watching_session()
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    def checks_session_itself(self, message) -> bool:
        # A message sent is checked in the turn's own thread hop (turns.start), so one
        # hop leads from the message to the model call; every other action is checked
        # in receive_json before it runs.
        return True

    async def receive_json(self, content, **kwargs):
        action = content.get("action") if isinstance(content, dict) else None
        if action != "send" and not await self.session_is_valid():
            return
        with user_language(self.user):
            if action == "send":
                try:
                    await turns.start(self.user, self.chat_id, str(content.get("content", "")),
                                      attachments=content.get("attachments"),
                                      holds_session=self.holds_session)
                except turns.TurnRejected as exc:
                    await self.send_json({"type": "error", "message": str(exc.args[0])})
                except turns.SessionEnded:
                    await self.end_session()
            elif action == "stop":
                await turns.stop(self.user, self.chat_id)
            elif action == "sync":  # a page that missed a delta asks for the answer as saved
                await self._send_latest()

    async def dispatch(self, message):
        # Channels' dispatch first closes stale database connections through asgiref's one
        # thread for thread-sensitive work: a thread hop per frame, queued behind every
        # turn's database work. Forwarding a chat event touches no database: no hop.
        if message["type"] == "chat.event":
            await self.chat_event(message)
        else:
            await super().dispatch(message)

    async def chat_event(self, event):
        await self.send_json(event["payload"])
