"""WeChat official-account protocol: callback signatures and encryption, message parsing, passive
replies, and (beside them) the API client. Nothing here knows the domain; ``handlers`` is the seam
the chat (``app.chat``) registers into, where messages become service calls."""
