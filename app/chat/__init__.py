"""The account's conversation: numbered dialogue flows, their wording, and the handlers that turn
WeChat messages into use-case calls. It registers into ``app.wechat.handlers``; ``app.wechat``
never imports it."""
