"""Everything the callback itself says to residents, in one place for review. Conversation
wording lives with the conversation handlers."""

HELP = (
    "您好，这里是垫江社会救助。\n"
    "村（社区）帮办代办员可以免费帮您申请社会救助。"
    "请点下方菜单办理，或稍后再发消息给我们。"
)

WELCOME = (
    "您好，欢迎关注垫江社会救助！\n"
    "自己申请社会救助有困难的，可以委托村（社区）帮办代办员免费帮您办。"
    "请点下方菜单开始。"
)

BUSY = "系统有点忙，请稍后再试。您发的内容没有办理成功，给您添麻烦了。"
