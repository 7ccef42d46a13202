"""Plain text in UTF-8 or Windows-1251: the text is the file; there is no preview."""

from .base import Extracted, FileKind, Reader, Stage, no_stage, unsupported

TEXT = "text/plain"
TEXT_ENCODINGS = ("utf-8", "cp1251")


def decode_text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


class TextReader(Reader):
    extensions = {TEXT: "txt"}

    def inspect(self, data: bytes, mime_type: str) -> FileKind:
        if decode_text(data) is None:
            raise unsupported(mime_type)
        return FileKind(TEXT, "txt", 1)

    def text(self, data: bytes, stage: Stage = no_stage) -> Extracted:
        return Extracted(decode_text(data) or "", 1)
