"""Plain text in UTF-8 or Windows-1251: the text is the file; there is no preview."""

import codecs

from .base import Extracted, FileKind, Reader, Stage, check_text_length, no_stage, unsupported

TEXT = "text/plain"
TEXT_ENCODINGS = ("utf-8", "cp1251")
CHUNK = 1 << 20


def text_encoding(data: bytes) -> str | None:
    """The encoding the text is in, checked a chunk at a time (the request never holds a
    decoded copy of a large file); None when it is not text."""
    if b"\x00" in data:
        return None
    for encoding in TEXT_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            chars = 0
            for start in range(0, len(data), CHUNK):
                chars += len(decoder.decode(data[start:start + CHUNK]))
            chars += len(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            continue
        check_text_length(chars)
        return encoding
    return None


def decode_text(data: bytes) -> str | None:
    encoding = text_encoding(data)
    return None if encoding is None else data.decode(encoding)


class TextReader(Reader):
    extensions = {TEXT: "txt"}

    def inspect(self, data: bytes, mime_type: str) -> FileKind:
        if text_encoding(data) is None:
            raise unsupported(mime_type)
        return FileKind(TEXT, "txt", 1)

    def text(self, data: bytes, stage: Stage = no_stage) -> Extracted:
        return Extracted(decode_text(data) or "", 1, [0])
