"""Base64 as the MBIOE API sends files (parts lists): the one decoder of the client and the parser."""

import base64


def decode_base64(text):
    """The bytes of base64 `text` (str or bytes); whitespace anywhere (line breaks) is ignored.

    Raises ValueError (binascii.Error is one) when `text` is not valid base64. Empty text gives b"".
    """
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:  # the common case has no line breaks: strip them only when needed
        return base64.b64decode(text[:0].join(text.split()), validate=True)
