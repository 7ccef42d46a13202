"""A photo attached in the chat reaches a model that reads images as an image block, with
its OCR text; a server that refuses images gets the text alone, and the answer comes."""

import base64
import io

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chats import model_support
from chats.models import Chat
from documents import tasks
from documents.tests.conftest import image_bytes, scan_image

from .test_attachments import attach, chat_requests, model_answers, user_turn_texts

pytestmark = pytest.mark.django_db(transaction=True)

PRESCRIPTION = ["Prescription: Metformin 500 mg", "Take twice daily with food"]
ANSWER = "Metformin 500 mg, twice a day with food."


def images_of(request: dict) -> list[dict]:
    return [block for block in request["messages"][-1]["content"] if block["type"] == "image"]


async def ask_about_photo(user, chat_socket, photo: bytes, name="prescription.jpg",
                          before_asking=None):
    chat = await Chat.objects.acreate(user=user)
    response = await attach(user, chat, SimpleUploadedFile(name, photo))
    [file] = response.json()["files"]
    assert await sync_to_async(tasks.process_document, thread_sensitive=False)(
        file["id"]) == "completed"
    if before_asking is not None:
        await sync_to_async(before_asking)()
    socket = chat_socket(user, chat.pk)
    assert (await socket.connect())[0]
    await socket.send(action="send", content="What does this say?", attachments=[file["id"]])
    events = await socket.until_finished(timeout=30)
    await socket.close()
    return events


async def test_an_attached_photo_goes_to_the_model_as_an_image_with_its_text(
        fake_anthropic, user, chat_socket):
    model_answers(fake_anthropic, ANSWER)
    # A large phone photo: sent downscaled to the API's size.
    photo = image_bytes(scan_image(PRESCRIPTION, size=(4000, 2200)).convert("RGB"), "JPEG")
    events = await ask_about_photo(user, chat_socket, photo)
    assert events[-1]["status"] == "done" and "Metformin 500 mg" in events[-1]["html"]

    [request] = chat_requests(fake_anthropic)
    [image] = images_of(request)
    assert image["source"]["type"] == "base64" and image["source"]["media_type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(base64.b64decode(image["source"]["data"])))
    assert picture.format == "JPEG" and max(picture.size) <= 1568
    # Its OCR text too, as data, after the image.
    content = request["messages"][-1]["content"]
    texts = user_turn_texts(request)
    attached = next(text for text in texts if text.startswith('<data source="attachment"'))
    assert "Metformin 500" in attached
    kinds = [block["type"] for block in content]
    assert kinds.index("image") < next(
        n for n, block in enumerate(content) if block.get("text", "").startswith(
            '<data source="attachment"'))


async def test_a_server_that_refuses_images_gets_the_ocr_text_and_the_answer_comes(
        fake_anthropic, user, chat_socket, settings):
    model_answers(fake_anthropic, ANSWER)
    model = settings.CONSTANCE_CONFIG["claude_model"][0]

    def local_server_without_vision():  # the document's facts were read with images
        fake_anthropic.images_supported = False
        model_support.forget(model)

    photo = image_bytes(scan_image(PRESCRIPTION), "PNG")
    events = await ask_about_photo(user, chat_socket, photo, "prescription.png",
                                   local_server_without_vision)
    assert events[-1]["status"] == "done" and "Metformin 500 mg" in events[-1]["html"]

    refused, accepted = chat_requests(fake_anthropic)
    assert images_of(refused) and not images_of(accepted)
    assert any("Metformin 500" in text for text in user_turn_texts(accepted))
    assert fake_anthropic.rejected and "image input" in fake_anthropic.rejected[0]["message"]
    assert await sync_to_async(model_support.lacks)(model, model_support.IMAGES)

    # Remembered: the next photo goes as text from the start, no refused request.
    fake_anthropic.requests.clear()
    events = await ask_about_photo(user, chat_socket, image_bytes(
        scan_image(["Ferritin 12 ng/mL"]), "PNG"), "ferritin.png")
    assert events[-1]["status"] == "done"
    [request] = chat_requests(fake_anthropic)
    assert not images_of(request)
    assert any("Ferritin 12" in text for text in user_turn_texts(request))


async def test_a_photo_without_text_still_reaches_a_model_that_reads_images(
        fake_anthropic, user, chat_socket):
    """A photo of a rash has nothing for OCR: it is no longer 'unread' when the model can
    look at it."""
    model_answers(fake_anthropic, "It looks like a mild rash.")
    rash = Image.new("RGB", (800, 600), (214, 140, 120))
    events = await ask_about_photo(user, chat_socket, image_bytes(rash, "JPEG"), "rash.jpg")
    assert events[-1]["status"] == "done" and "Could not read" not in events[-1]["html"]
    [request] = chat_requests(fake_anthropic)
    assert len(images_of(request)) == 1
    assert any("no text was found in it" in text for text in user_turn_texts(request))
