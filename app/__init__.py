"""Bangban: the 帮办代办 backend of the 垫江社会救助 WeChat official account."""
